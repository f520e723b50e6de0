import Foundation

extension OpenAPIDocument {
    /// A JSON value. The document is built from these, so it reads as Swift literals and helper
    /// calls rather than one long string, and the compiler checks its structure.
    enum Value: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
        ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
    {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case array([Value])
        case object([String: Value])

        init(stringLiteral value: String) { self = .string(value) }
        init(integerLiteral value: Int) { self = .integer(value) }
        init(floatLiteral value: Double) { self = .number(value) }
        init(booleanLiteral value: Bool) { self = .bool(value) }
        init(arrayLiteral elements: Value...) { self = .array(elements) }
        // A repeated key keeps its last value rather than trapping, as `Dictionary(uniqueKeysWithValues:)` would.
        init(dictionaryLiteral elements: (String, Value)...) { self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last })) }

        /// An array of strings.
        static func strings(_ values: [String]) -> Value { .array(values.map(Value.string)) }

        /// This object with `other`'s keys added (`other` wins on a clash); other values are returned unchanged.
        func merging(_ other: [String: Value]) -> Value {
            guard case .object(let fields) = self else { return self }
            return .object(fields.merging(other) { _, new in new })
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }
    }
}
