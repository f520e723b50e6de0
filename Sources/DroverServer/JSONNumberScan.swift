/// Finds a number in a JSON text that Swift's decoder cannot hold (`1e400`, or an integer past
/// Int64) and where it is. The decoder refuses such a text as a whole, without a path; this
/// names the field, so a device that sends an overflowing figure is told which one.
enum JSONNumberScan {
    private enum Frame {
        case object(key: String?, expectingKey: Bool)
        case array(index: Int)
    }

    /// The first number out of range and its path (`samples[0].time`), or nil.
    static func firstUnrepresentable(in bytes: [UInt8]) -> (path: String, number: String)? {
        var stack: [Frame] = []
        var index = 0
        func path() -> String {
            let text = stack.map { frame -> String in
                switch frame {
                case .object(let key, _): "." + (key ?? "")
                case .array(let index): "[\(index)]"
                }
            }.joined()
            return String(text.drop { $0 == "." })
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append(.object(key: nil, expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                switch stack.last {
                case .array(let at): stack[stack.count - 1] = .array(index: at + 1)
                case .object: stack[stack.count - 1] = .object(key: nil, expectingKey: true)
                case nil: break
                }
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if case .object(_, true) = stack.last {
                    let key = String(decoding: bytes[(index + 1)..<min(end, bytes.count)], as: UTF8.self)
                    stack[stack.count - 1] = .object(key: key, expectingKey: false)
                }
                index = end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var end = index
                while end < bytes.count, Self.numberBytes.contains(bytes[end]) { end += 1 }
                let token = String(decoding: bytes[index..<end], as: UTF8.self)
                let integral = !token.contains { $0 == "." || $0 == "e" || $0 == "E" }
                if Double(token).map({ !$0.isFinite }) ?? true || (integral && Int64(token) == nil) { return (path(), token) }
                index = end - 1
            default:
                break
            }
            index += 1
        }
        return nil
    }

    private static let numberBytes = Set("-+.eE0123456789".utf8)
}
