import DroverModel
extension OpenAPIDocument {
    /// Builders for JSON Schema (2020-12, as OpenAPI 3.1 uses it).
    enum Schema {
        /// Which way a body travels. The server decodes requests leniently (unknown keys are
        /// ignored, `null` reads as absent) and encodes responses exactly (optional fields are
        /// left out, never `null`, and no other keys appear), so the two get different schemas.
        enum Direction {
            case request, response
        }

        /// One property of an object.
        struct Property {
            let name: String
            let schema: Value
            let isRequired: Bool
        }

        /// A property every body has.
        static func required(_ name: String, _ schema: Value) -> Property { Property(name: name, schema: schema, isRequired: true) }
        /// A property a body may leave out.
        static func optional(_ name: String, _ schema: Value) -> Property { Property(name: name, schema: schema, isRequired: false) }

        /// An object with these properties, as it travels in `direction`.
        static func object(_ description: String, _ direction: Direction, _ properties: [Property]) -> Value {
            var fields: [String: Value] = [:]
            for property in properties {
                fields[property.name] = direction == .request && !property.isRequired ? nullable(property.schema) : property.schema
            }
            var schema: [String: Value] = [
                "type": "object", "description": .string(description), "properties": .object(fields),
                "additionalProperties": .bool(direction == .request),
            ]
            let required = properties.filter(\.isRequired).map(\.name)
            if !required.isEmpty { schema["required"] = .strings(required) }
            return .object(schema)
        }

        /// `schema` or `null` (Swift's decoder reads a `null` optional as absent).
        static func nullable(_ schema: Value) -> Value {
            if case .object(var fields) = schema, case .string(let type)? = fields["type"], fields["enum"] == nil {
                fields["type"] = .strings([type, "null"])
                return .object(fields)
            }
            return ["anyOf": [schema, ["type": "null"]]]
        }

        /// A reference to a component schema.
        static func ref(_ name: String) -> Value { ["$ref": .string("#/components/schemas/\(name)")] }

        /// A string.
        static func string(_ description: String) -> Value { ["type": "string", "description": .string(description)] }

        /// A string matching `pattern`.
        static func string(_ description: String, pattern: String) -> Value {
            ["type": "string", "description": .string(description), "pattern": .string(pattern)]
        }

        /// One of a closed set of strings.
        static func oneOf(_ description: String, _ values: [String]) -> Value {
            ["type": "string", "description": .string(description), "enum": .strings(values)]
        }

        /// One of a protocol's closed sets of words, listed from the type itself.
        static func word<Word: ProtocolWord>(_ description: String, _ type: Word.Type) -> Value {
            oneOf(description, Word.allCases.map(\.rawValue))
        }

        /// An ISO 8601 time with zone, as `JSONEncoder.DateEncodingStrategy.iso8601` writes it.
        static func dateTime(_ description: String) -> Value { ["type": "string", "format": "date-time", "description": .string(description)] }

        /// A 64-bit integer, with bounds when given.
        static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil) -> Value {
            var schema: [String: Value] = ["type": "integer", "format": "int64", "description": .string(description)]
            if let minimum { schema["minimum"] = .integer(minimum) }
            if let maximum { schema["maximum"] = .integer(maximum) }
            return .object(schema)
        }

        /// A boolean.
        static func boolean(_ description: String) -> Value { ["type": "boolean", "description": .string(description)] }

        /// An array of `items`.
        static func array(_ description: String, of items: Value) -> Value {
            ["type": "array", "description": .string(description), "items": items]
        }

        /// An object used as a dictionary: any keys, each value matching `values`.
        static func map(_ description: String, of values: Value) -> Value {
            ["type": "object", "description": .string(description), "additionalProperties": values]
        }

        /// Names the server checks: 1-64 ASCII letters, digits, `.`, `_` or `-` (fleets, devices, tag keys).
        static let namePattern = "^[A-Za-z0-9._-]{1,64}$"

        /// A fleet or device name.
        static func name(_ description: String) -> Value { string(description + " (1-64 letters, digits, '.', '_' or '-')", pattern: namePattern) }
    }
}
