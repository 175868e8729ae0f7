import Testing
@testable import OSSTransfer

@Suite("Part plan")
struct PartPlanTests {
    @Test("a small file is one part of its own size")
    func smallFile() throws {
        let plan = try PartPlan(totalSize: 1000)
        #expect(plan.partCount == 1)
        #expect(plan.range(ofPart: 1) == (0, 1000))
    }

    @Test("an empty file is one empty part")
    func emptyFile() throws {
        let plan = try PartPlan(totalSize: 0)
        #expect(plan.partCount == 1)
        #expect(plan.range(ofPart: 1).length == 0)
    }

    @Test("the default part size is 8 MiB and an exact multiple has no short last part")
    func exactMultiple() throws {
        let plan = try PartPlan(totalSize: 32 << 20)
        #expect(plan.partSize == 8 << 20)
        #expect(plan.partCount == 4)
        #expect(plan.range(ofPart: 4) == (24 << 20, 8 << 20))
    }

    @Test(
        "parts cover the file exactly, the last one short", arguments: [1, 99, 100 << 10, (100 << 10) + 1, 3_333_333])
    func rangesCoverFile(size: Int) throws {
        let plan = try PartPlan(totalSize: Int64(size), requestedPartSize: 100 << 10)
        var next: Int64 = 0
        for n in plan.partNumbers {
            let r = plan.range(ofPart: n)
            #expect(r.offset == next)
            #expect(r.length > 0 || size == 0)
            #expect(r.length <= plan.partSize)
            next += r.length
        }
        #expect(next == Int64(size))
    }

    @Test("a part size below 100 KiB is raised to 100 KiB")
    func minimum() throws {
        let plan = try PartPlan(totalSize: 1 << 20, requestedPartSize: 1)
        #expect(plan.partSize == 100 << 10)
        #expect(plan.partCount == 11)
    }

    @Test(
        "the part size grows to stay within 10,000 parts",
        arguments: [Int64(100) << 30, Int64(80) << 30 + 1, Int64(1) << 40])
    func growth(size: Int64) throws {
        let plan = try PartPlan(totalSize: size, requestedPartSize: 8 << 20)
        #expect(plan.partCount <= 10_000)
        #expect(plan.partSize > 8 << 20)
        #expect(plan.partSize % (1 << 20) == 0)
        // It is the smallest whole-MiB size that fits.
        let smaller = plan.partSize - (1 << 20)
        #expect((size + smaller - 1) / smaller > 10_000)
    }

    @Test("exactly 10,000 parts keep the requested size")
    func exactlyTenThousand() throws {
        let plan = try PartPlan(totalSize: 10_000 * (8 << 20), requestedPartSize: 8 << 20)
        #expect(plan.partSize == 8 << 20)
        #expect(plan.partCount == 10_000)
    }

    @Test("a file beyond 10,000 parts of 5 GiB or a negative size is refused")
    func refused() {
        #expect(throws: TransferError.self) { try PartPlan(totalSize: (5 << 30) * 10_000 + 1) }
        #expect(throws: TransferError.self) { try PartPlan(totalSize: -1) }
    }
}
