/// How a file of a given size is cut into parts: the part size and the byte range of each part.
///
/// The requested part size is kept when the file fits in 10,000 parts with it; otherwise it
/// grows (to a multiple of 1 MiB) until it does. It is never below OSS's minimum of 100 KiB
/// (except for the last part) nor above the 5 GiB part maximum.
public struct PartPlan: Sendable, Hashable {
    /// The default part size: 8 MiB.
    public static let defaultPartSize: Int64 = 8 << 20
    /// The smallest part OSS accepts (but for the last one): 100 KiB.
    public static let minimumPartSize: Int64 = 100 << 10
    /// The largest part OSS accepts: 5 GiB.
    public static let maximumPartSize: Int64 = 5 << 30
    /// The most parts one upload may have.
    public static let maximumPartCount = 10_000

    /// The file's size in bytes.
    public let totalSize: Int64
    /// The size of every part but the last.
    public let partSize: Int64
    /// The number of parts (at least one, even for an empty file).
    public let partCount: Int

    /// Plans the parts of `totalSize` bytes.
    /// - Parameters:
    ///   - totalSize: the file's size, 0 or more.
    ///   - requestedPartSize: the wished part size; raised to the minimum and grown to stay
    ///     within 10,000 parts.
    /// - Throws: `TransferError.invalidArgument` for a negative size or a file too large for
    ///   10,000 parts of 5 GiB.
    public init(totalSize: Int64, requestedPartSize: Int64 = PartPlan.defaultPartSize) throws(TransferError) {
        guard totalSize >= 0 else { throw TransferError.invalidArgument("a file size cannot be negative") }
        let limit = PartPlan.maximumPartSize * Int64(PartPlan.maximumPartCount)
        guard totalSize <= limit else {
            throw TransferError.invalidArgument("\(totalSize) bytes do not fit in 10,000 parts of 5 GiB")
        }
        var size = min(max(requestedPartSize, PartPlan.minimumPartSize), PartPlan.maximumPartSize)
        let count = { (s: Int64) in Int((totalSize + s - 1) / s) }
        if count(size) > PartPlan.maximumPartCount {
            // The smallest size that fits, rounded up to whole MiB.
            let needed = (totalSize + Int64(PartPlan.maximumPartCount) - 1) / Int64(PartPlan.maximumPartCount)
            let mib: Int64 = 1 << 20
            size = min((needed + mib - 1) / mib * mib, PartPlan.maximumPartSize)
        }
        self.totalSize = totalSize
        self.partSize = size
        self.partCount = max(1, count(size))
    }

    /// The byte range of part `number` (1-based): its offset in the file and its length.
    public func range(ofPart number: Int) -> (offset: Int64, length: Int64) {
        precondition(number >= 1 && number <= partCount, "part \(number) is outside 1...\(partCount)")
        let offset = Int64(number - 1) * partSize
        return (offset, min(partSize, totalSize - offset))
    }

    /// All part numbers, 1...partCount.
    public var partNumbers: ClosedRange<Int> { 1...partCount }
}
