import Glibc

/// A point in time in UTC, as whole seconds since 1970-01-01T00:00:00Z plus nanoseconds.
///
/// Foundation-free date arithmetic for the formats OSS uses: RFC 1123 (`Date` headers),
/// ISO 8601 basic (`x-oss-date`, V4 signing) and ISO 8601 extended with milliseconds (XML bodies).
public struct UTCTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current wall-clock time (`CLOCK_REALTIME`).
    public static func now() -> UTCTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UTCTime(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    public static func < (a: UTCTime, b: UTCTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// This time moved by a number of seconds.
    public func adding(seconds delta: Int64) -> UTCTime {
        UTCTime(seconds: seconds + delta, nanoseconds: nanoseconds)
    }

    // MARK: Calendar fields

    /// The broken-down calendar fields of a time (proleptic Gregorian, UTC).
    public struct Fields: Sendable, Hashable {
        public var year: Int
        public var month: Int  // 1...12
        public var day: Int  // 1...31
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var millisecond: Int
        /// 0 = Sunday.
        public var weekday: Int
    }

    /// Days since 1970-01-01 for a civil date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// The calendar fields of this time.
    public var fields: Fields {
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = UTCTime.civilFromDays(days)
        var wd = (days + 4) % 7  // 1970-01-01 was a Thursday
        if wd < 0 { wd += 7 }
        return Fields(
            year: y, month: m, day: d, hour: Int(rem / 3600), minute: Int(rem % 3600 / 60), second: Int(rem % 60),
            millisecond: Int(nanoseconds / 1_000_000), weekday: Int(wd))
    }

    /// The time of the given UTC calendar fields, or `nil` when a field is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanoseconds: Int32 = 0) {
        guard (1...12).contains(month), (1...UTCTime.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = UTCTime.daysFromCivil(year: year, month: month, day: day)
        self.init(
            seconds: days * 86_400 + Int64(hour * 3600 + minute * 60 + second), nanoseconds: nanoseconds)
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    // MARK: Formatting

    /// The last second's `rfc1123` and `iso8601Basic`: every signed request formats the current
    /// time both ways, thousands of times within the same second.
    private typealias Formats = (seconds: Int64, rfc1123: String, iso8601Basic: String, yyyymmdd: String)
    private static let recent = PThreadMutex<Formats?>(nil)

    private func cached(_ pick: (Formats) -> String) -> String? {
        UTCTime.recent.withLock { r in r.flatMap { $0.seconds == seconds ? pick($0) : nil } }
    }

    private func remember() {
        let entry: Formats = (seconds, formattedRFC1123, formattedISO8601Basic, formattedYYYYMMDD)
        UTCTime.recent.withLock { $0 = entry }
    }

    /// RFC 1123 / RFC 9110 §5.6.7 IMF-fixdate: `Wed, 25 Nov 2026 03:26:44 GMT`.
    public var rfc1123: String {
        if let hit = cached({ $0.rfc1123 }) { return hit }
        remember()
        return formattedRFC1123
    }

    /// ISO 8601 basic format as V4 signing uses it: `20261125T032644Z`.
    public var iso8601Basic: String {
        if let hit = cached({ $0.iso8601Basic }) { return hit }
        remember()
        return formattedISO8601Basic
    }

    private var formattedRFC1123: String {
        let f = fields
        return UTCTime.ascii(40) { out in
            var w = ASCIIWriter(out)
            w.append(UTCTime.dayNames[f.weekday])
            w.append(", ")
            w.digits(f.day, 2)
            w.byte(32)
            w.append(UTCTime.monthNames[f.month - 1])
            w.byte(32)
            w.digits(f.year, 4)
            w.byte(32)
            w.clock(f, separator: UInt8(ascii: ":"))
            w.append(" GMT")
            return w.count
        }
    }

    private var formattedISO8601Basic: String {
        let f = fields
        return UTCTime.ascii(32) { out in
            var w = ASCIIWriter(out)
            w.date(f, separator: nil)
            w.byte(UInt8(ascii: "T"))
            w.clock(f, separator: nil)
            w.byte(UInt8(ascii: "Z"))
            return w.count
        }
    }

    /// The date part as V4 scopes use it: `20261125`.
    public var yyyymmdd: String {
        if let hit = cached({ $0.yyyymmdd }) { return hit }
        remember()
        return formattedYYYYMMDD
    }

    private var formattedYYYYMMDD: String {
        let f = fields
        return UTCTime.ascii(24) { out in
            var w = ASCIIWriter(out)
            w.date(f, separator: nil)
            return w.count
        }
    }

    /// ISO 8601 extended with milliseconds, as OSS XML bodies carry: `2012-02-24T08:43:07.000Z`.
    public var iso8601: String {
        let f = fields
        return UTCTime.ascii(32) { out in
            var w = ASCIIWriter(out)
            w.date(f, separator: UInt8(ascii: "-"))
            w.byte(UInt8(ascii: "T"))
            w.clock(f, separator: UInt8(ascii: ":"))
            w.byte(UInt8(ascii: "."))
            w.digits(f.millisecond, 3)
            w.byte(UInt8(ascii: "Z"))
            return w.count
        }
    }

    /// A string of at most `capacity` ASCII bytes written in place (these formats run for every
    /// signed request: no interpolation, no intermediate strings).
    private static func ascii(_ capacity: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> String {
        String(unsafeUninitializedCapacity: capacity, initializingUTF8With: body)
    }

    public var description: String { iso8601 }

    // MARK: Parsing

    private static func number(_ b: ArraySlice<UInt8>) -> Int? {
        guard !b.isEmpty, b.count <= 9 else { return nil }
        var v = 0
        for c in b {
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    /// Parses RFC 1123 (`Wed, 25 Nov 2026 03:26:44 GMT`).
    public init?(rfc1123 text: some StringProtocol) {
        let b = Array(text.utf8)
        // "Www, DD Mmm YYYY HH:MM:SS GMT" is 29 bytes.
        guard b.count == 29, b[3] == UInt8(ascii: ","), b[4] == 32, b[7] == 32, b[11] == 32, b[16] == 32,
            b[19] == UInt8(ascii: ":"), b[22] == UInt8(ascii: ":"), b[25] == 32,
            String(decoding: b[26..<29], as: UTF8.self) == "GMT",
            let day = UTCTime.number(b[5..<7]), let year = UTCTime.number(b[12..<16]),
            let hour = UTCTime.number(b[17..<19]), let minute = UTCTime.number(b[20..<22]),
            let second = UTCTime.number(b[23..<25]),
            let monthIndex = UTCTime.monthNames.firstIndex(of: String(decoding: b[8..<11], as: UTF8.self))
        else { return nil }
        self.init(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses ISO 8601 basic (`20261125T032644Z`).
    public init?(iso8601Basic text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z"),
            let year = UTCTime.number(b[0..<4]), let month = UTCTime.number(b[4..<6]),
            let day = UTCTime.number(b[6..<8]), let hour = UTCTime.number(b[9..<11]),
            let minute = UTCTime.number(b[11..<13]), let second = UTCTime.number(b[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses ISO 8601 extended in UTC, with or without a fraction: `2012-02-24T08:43:07.000Z`,
    /// `2012-02-24T08:43:07Z`.
    public init?(iso8601 text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z"),
            let year = UTCTime.number(b[0..<4]), let month = UTCTime.number(b[5..<7]),
            let day = UTCTime.number(b[8..<10]), let hour = UTCTime.number(b[11..<13]),
            let minute = UTCTime.number(b[14..<16]), let second = UTCTime.number(b[17..<19])
        else { return nil }
        var nanos: Int32 = 0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count - 21 >= 1, b.count - 21 <= 9,
                let frac = UTCTime.number(b[20..<(b.count - 1)])
            else { return nil }
            var scaled = frac
            for _ in 0..<(9 - (b.count - 21)) { scaled *= 10 }
            nanos = Int32(scaled)
        }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanoseconds: nanos)
    }
}

/// Writes ASCII into a fixed buffer for `UTCTime`'s formats. Years beyond 9999 or before 0
/// keep all their digits (and a sign), as the interpolated forms did.
private struct ASCIIWriter {
    let out: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(_ out: UnsafeMutableBufferPointer<UInt8>) { self.out = out }

    mutating func byte(_ b: UInt8) {
        guard count < out.count else { return }
        out[count] = b
        count += 1
    }

    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { for b in $0 { byte(b) } }
    }

    mutating func append(_ s: String) {
        for b in s.utf8 { byte(b) }
    }

    /// `v` in decimal, zero-padded to `width` digits.
    mutating func digits(_ v: Int, _ width: Int) {
        if v < 0 {
            byte(UInt8(ascii: "-"))
            digits(-v, width)
            return
        }
        var n = 1
        var p = 10
        while p <= v && n < 19 {
            n += 1
            p &*= 10
        }
        for _ in n..<max(n, width) { byte(UInt8(ascii: "0")) }
        var d = 1
        for _ in 1..<n { d *= 10 }
        var rest = v
        while d > 0 {
            byte(UInt8(ascii: "0") + UInt8(rest / d))
            rest %= d
            d /= 10
        }
    }

    mutating func date(_ f: UTCTime.Fields, separator: UInt8?) {
        digits(f.year, 4)
        if let separator { byte(separator) }
        digits(f.month, 2)
        if let separator { byte(separator) }
        digits(f.day, 2)
    }

    mutating func clock(_ f: UTCTime.Fields, separator: UInt8?) {
        digits(f.hour, 2)
        if let separator { byte(separator) }
        digits(f.minute, 2)
        if let separator { byte(separator) }
        digits(f.second, 2)
    }
}
