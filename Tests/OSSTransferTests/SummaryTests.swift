import Foundation
import Testing
@testable import OSSTransfer

@Suite("Summaries and the progress line")
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

    @Test("sizes and clock times read as a person expects")
    func formats() {
        #expect(TransferMeter.size(512) == "512 B")
        #expect(TransferMeter.size(1536) == "1.5 KiB")
        #expect(TransferMeter.size(5 << 30) == "5.0 GiB")
        #expect(TransferMeter.clockText(7) == "0:07")
        #expect(TransferMeter.clockText(3723) == "1:02:03")
    }

    @Test("the progress line shows the fraction and the parts")
    func line() {
        let meter = TransferMeter()
        meter.record(
            TransferProgress(bytesTransferred: 50, totalBytes: 100, partsDone: 5, partsTotal: 10, bytesResumed: 0))
        let line = meter.line(width: 10)
        #expect(line.hasPrefix("[#####-----]  50%"))
        #expect(line.hasSuffix("parts 5/10"))
    }
}
