import CZlib
import Foundation

/// gzip for log batches on the wire (system zlib).
public enum Gzip {
    /// What went wrong.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// A human message.
        public var message: String
        /// The data was valid but decompressed past the limit.
        public var exceededLimit = false
        public var description: String { message }
    }

    /// Compresses `data` into the gzip format.
    public static func compress(_ data: Data) throws(Failure) -> Data {
        var stream = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        guard
            deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw Failure(message: "gzip: deflate could not start") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        var input = data
        let status = input.withUnsafeMutableBytes { (inBuffer: UnsafeMutableRawBufferPointer) -> Int32 in
            output.withUnsafeMutableBytes { (outBuffer: UnsafeMutableRawBufferPointer) -> Int32 in
                stream.next_in = inBuffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(message: "gzip: compression failed (\(status))") }
        output.count = Int(stream.total_out)
        return output
    }

    /// Decompresses gzip `data`, refusing output larger than `limit` bytes.
    public static func decompress(_ data: Data, limit: Int) throws(Failure) -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "gzip: inflate could not start")
        }
        defer { inflateEnd(&stream) }
        var input = data
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var exceeded = false
        let problem = input.withUnsafeMutableBytes { (inBuffer: UnsafeMutableRawBufferPointer) -> String? in
            stream.next_in = inBuffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(inBuffer.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { return "gzip: the body is not valid gzip (\(status))" }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else {
                    exceeded = true
                    return "gzip: the body is larger than \(limit) bytes when decompressed"
                }
                if status == Z_OK && stream.avail_in == 0 && produced == 0 { return "gzip: the body ends early" }
            } while status != Z_STREAM_END
            return nil
        }
        if let problem { throw Failure(message: problem, exceededLimit: exceeded) }
        return output
    }
}
