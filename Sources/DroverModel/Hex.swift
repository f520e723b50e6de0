extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal, two digits each (digests, ETags, tokens). Written out
    /// instead of `String(format:)`, which goes through Foundation's formatting machinery: on
    /// the agent that code would stay mapped for the process's life.
    public var hexString: String {
        let digits = hexDigits
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The sixteen digits, made once: `hexString` runs for every target ETag and credential check.
private let hexDigits = Array("0123456789abcdef".utf8)
