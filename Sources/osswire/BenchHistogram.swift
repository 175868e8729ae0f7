/// A latency histogram of `osswire bench`: log-linear buckets over microseconds, mergeable.
///
/// Values below 128 µs each have a bucket of their own (1 µs resolution); above, every power of
/// two is cut into 128 equal buckets, so a bucket is at most 1/128 (0.8 %) of its value wide.
/// The last power of two ends at 2^33 µs (about 2 h 23 min); longer values land in the last
/// bucket, while `max` keeps the exact value. Two histograms merge by adding their buckets.
struct BenchHistogram: Sendable, Equatable {
    /// Sub-buckets per power of two (and the span of exact 1 µs buckets).
    static let subBuckets = 128
    static let subBits = 7
    /// The largest power of two covered: values up to 2^maxExponent - 1 µs.
    static let maxExponent = 33
    static let bucketCount = subBuckets + (maxExponent - subBits) * subBuckets

    private(set) var counts: [UInt64]
    private(set) var count: UInt64 = 0
    /// The smallest and largest values recorded, exactly (µs).
    private(set) var min: UInt64 = .max
    private(set) var max: UInt64 = 0
    private(set) var sum: UInt64 = 0

    init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// The bucket of a value in µs.
    static func index(_ micros: UInt64) -> Int {
        if micros < UInt64(subBuckets) { return Int(micros) }
        let e = 63 - micros.leadingZeroBitCount  // floor(log2), >= subBits
        if e >= maxExponent { return bucketCount - 1 }
        let sub = Int(micros >> UInt64(e - subBits)) - subBuckets
        return subBuckets + (e - subBits) * subBuckets + sub
    }

    /// The smallest value of bucket `i` and its width (µs).
    static func bucketRange(_ i: Int) -> (lower: UInt64, width: UInt64) {
        if i < subBuckets { return (UInt64(i), 1) }
        let octave = (i - subBuckets) / subBuckets
        let sub = (i - subBuckets) % subBuckets
        let e = octave + subBits
        let width = UInt64(1) << UInt64(e - subBits)
        return ((UInt64(subBuckets + sub)) << UInt64(e - subBits), width)
    }

    /// Records one value in µs (`times` at once, for merging).
    mutating func record(micros: UInt64, times: UInt64 = 1) {
        guard times > 0 else { return }
        counts[Self.index(micros)] &+= times
        count &+= times
        sum &+= micros &* times
        if micros < min { min = micros }
        if micros > max { max = micros }
    }

    /// Records a duration, rounded to the nearest µs (negative as zero).
    mutating func record(_ d: Duration) {
        record(micros: Self.micros(d))
    }

    static func micros(_ d: Duration) -> UInt64 {
        let (s, atto) = d.components
        if s < 0 { return 0 }
        return UInt64(s) &* 1_000_000 &+ UInt64((atto + 500_000_000_000) / 1_000_000_000_000)
    }

    /// Adds another histogram's buckets.
    mutating func merge(_ other: BenchHistogram) {
        guard other.count > 0 else { return }
        for i in 0..<counts.count where other.counts[i] != 0 { counts[i] &+= other.counts[i] }
        count &+= other.count
        sum &+= other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// The value at quantile `q` (0...1) in µs: the bucket holding the ⌈q·count⌉-th smallest
    /// value, given as its middle (exact below 128 µs), kept within the recorded min and max.
    /// `nil` when empty.
    func percentile(_ q: Double) -> UInt64? {
        guard count > 0 else { return nil }
        if q >= 1 { return max }
        let rank = Swift.max(UInt64(1), UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for i in 0..<counts.count where counts[i] != 0 {
            seen += counts[i]
            if seen >= rank {
                let (lower, width) = Self.bucketRange(i)
                let middle = lower + (width - 1) / 2
                return Swift.min(Swift.max(middle, min), max)
            }
        }
        return max
    }

    /// The mean in µs, `nil` when empty.
    var mean: Double? { count == 0 ? nil : Double(sum) / Double(count) }

    /// The non-empty buckets as `(lowest value in µs, count)`: the form the summary JSON keeps,
    /// which `init(buckets:)` reads back (the same bucket for the same lowest value).
    var buckets: [(UInt64, UInt64)] {
        var out: [(UInt64, UInt64)] = []
        for i in 0..<counts.count where counts[i] != 0 { out.append((Self.bucketRange(i).lower, counts[i])) }
        return out
    }

    /// A histogram from `buckets` pairs, with the exact min, max and sum when known.
    init(buckets: [(UInt64, UInt64)], min: UInt64? = nil, max: UInt64? = nil, sum: UInt64? = nil) {
        self.init()
        for (value, n) in buckets { record(micros: value, times: n) }
        if let min, count > 0 { self.min = min }
        if let max, count > 0 { self.max = Swift.max(max, self.max) }
        if let sum { self.sum = sum }
    }
}
