import Foundation
import Testing
import OSSTransfer

@testable import osswire

@Suite("cp summaries and the progress line (rendered by the CLI)")
struct SummaryTests {
    @Test("the JSON summary parses and carries the fields DESIGN.md lists")
    func json() throws {
        var o = TransferOutcome(bucket: "b", key: "k \"q\"\n", localPath: "/tmp/f")
        o.state = .paused
        o.uploadId = "UP1"
        o.bytes = 1000
        o.bytesTransferred = 400
        o.seconds = 1.25
        o.partsTotal = 10
        o.partsDone = 4
        o.partsResumed = 2
        o.crc64 = UInt64.max
        o.reason = .paused
        o.notes = ["a\tb"]
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(o.json().utf8)) as? [String: Any])
        #expect(object["state"] as? String == "paused")
        #expect(object["key"] as? String == "k \"q\"\n")
        #expect(object["bytes"] as? Int == 1000)
        #expect(object["bytes_sent"] as? Int == 400)
        #expect(object["seconds"] as? Double == 1.25)
        #expect(object["upload_id"] as? String == "UP1")
        #expect(object["parts_total"] as? Int == 10)
        #expect(object["parts_resumed"] as? Int == 2)
        #expect(object["crc64"] as? String == String(UInt64.max))
        #expect(object["notes"] as? [String] == ["a\tb"])
        #expect(object["error"] is NSNull)
    }

    @Test("sizes, seconds and clock times read as a person expects, in the decimal units http and bench use")
    func formats() {
        #expect(TransferMeter.size(512) == "512 B")
        #expect(TransferMeter.size(1500) == "1.5 kB")
        #expect(TransferMeter.size(999_999) == "1.0 MB")
        #expect(TransferMeter.size(5_000_000_000) == "5.0 GB")
        #expect(TransferMeter.clockText(7) == "0:07")
        #expect(TransferMeter.clockText(3723) == "1:02:03")
        #expect(TransferMeter.secondsText(0.0051) == "0.005")
        #expect(TransferMeter.secondsText(1.25) == "1.25")
        #expect(TransferMeter.secondsText(125.4) == "125")
        #expect(TransferMeter.summary(bytes: 27_000_000, moved: 27_000_000, seconds: 3.4) == "27.0 MB in 3.40 s (7.9 MB/s average)")
    }

    @Test("the progress line shows the fraction and the parts, and fits every terminal width")
    func line() {
        let meter = TransferMeter()
        meter.record(
            TransferProgress(
                bytesTransferred: 5_000_000_000, totalBytes: 10_000_000_000, partsDone: 500, partsTotal: 1000,
                bytesResumed: 0))
        let wide = meter.line(columns: 120)
        #expect(wide.hasPrefix("[####"))
        #expect(wide.contains("]   50%  5.0 GB/10.0 GB"))
        #expect(wide.hasSuffix("parts 500/1000"))
        for columns in [20, 40, 60, 80, 100, 200] {
            let line = meter.line(columns: columns)
            #expect(line.count < columns, "\(columns) columns: \(line)")
            #expect(line.contains("50%"), "\(columns) columns: \(line)")
        }
        // Narrow: the parts go first, the ETA next; the percentage and the bytes stay.
        #expect(!meter.line(columns: 60).contains("parts"))
    }

    @Test("the bar shows 100% only for a complete object, even with every byte counted")
    func fullOnlyWhenComplete() {
        let meter = TransferMeter()
        meter.record(
            TransferProgress(
                bytesTransferred: 999_999_999, totalBytes: 1_000_000_000, partsDone: 10, partsTotal: 10,
                bytesResumed: 0))
        #expect(meter.line(columns: 120).contains("]   99%"), "\(meter.line(columns: 120))")
        meter.record(
            TransferProgress(
                bytesTransferred: 1_000_000_000, totalBytes: 1_000_000_000, partsDone: 10, partsTotal: 10,
                bytesResumed: 0))
        #expect(!meter.line(columns: 120).contains("100%"))
        meter.record(
            TransferProgress(
                bytesTransferred: 1_000_000_000, totalBytes: 1_000_000_000, partsDone: 10, partsTotal: 10,
                bytesResumed: 0, isComplete: true))
        #expect(meter.line(columns: 120).contains("]  100%"))
        // An empty object: 0% until it is complete.
        let empty = TransferMeter()
        empty.record(TransferProgress(bytesTransferred: 0, totalBytes: 0, partsDone: 0, partsTotal: 1, bytesResumed: 0))
        #expect(empty.line(columns: 120).contains("  0%"))
    }
}
