import JikjiFuzzing
import XCTest

/// The mutation loop's mutator: deterministic, and each mutation does what it says.
final class FuzzMutatorTests: XCTestCase {
    private let input = Array(#"{"w":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]}}"#.utf8)

    func testTheSameSeedGivesTheSameInputsAndAnotherSeedOthers() {
        var a = FuzzMutator(seed: 11, dictionary: ["steps:"]), b = FuzzMutator(seed: 11, dictionary: ["steps:"])
        var c = FuzzMutator(seed: 12, dictionary: ["steps:"])
        let fromA = (0..<200).map { _ in a.mutate(input, splicingWith: Array("other".utf8)) }
        let fromB = (0..<200).map { _ in b.mutate(input, splicingWith: Array("other".utf8)) }
        let fromC = (0..<200).map { _ in c.mutate(input, splicingWith: Array("other".utf8)) }
        XCTAssertEqual(fromA, fromB)
        XCTAssertNotEqual(fromA, fromC)
        XCTAssertGreaterThan(Set(fromA).count, 150, "mutations should rarely repeat")
    }

    func testEveryMutationChangesTheInputAtLeastSometimes() {
        var mutator = FuzzMutator(seed: 3, dictionary: ["&a "])
        for kind in FuzzMutator.Mutation.allCases {
            var changed = 0
            for _ in 0..<20 {
                var bytes = input
                mutator.apply(kind, to: &bytes, other: Array("- nfkc\n".utf8))
                if bytes != input { changed += 1 }
            }
            XCTAssertGreaterThan(changed, 10, "\(kind) left the input as it was \(20 - changed) times in 20")
        }
    }

    func testBoundaryNumberReplacesAWholeNumberOfTheInput() {
        var mutator = FuzzMutator(seed: 5)
        var seen = Set<String>()
        for _ in 0..<200 {
            var bytes = input
            mutator.apply(.boundaryNumber, to: &bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            // One of the numbers (2, 4, 0, 32) became a boundary number; the text before them is kept.
            let numbers = text.split { !"0123456789-.xaefinNIty".contains($0) }.map(String.init)
            let replaced = numbers.filter { FuzzMutator.boundaryNumbers.contains($0) && !["2", "4", "0"].contains($0) }
            seen.formUnion(replaced)
            XCTAssertTrue(text.hasPrefix(#"{"w":{"dtype":"F"#), text)  // "32" of F32 is a number too
        }
        XCTAssertTrue(seen.contains("9223372036854775807"), "seen: \(seen.sorted())")
        XCTAssertTrue(seen.contains("4611686018427387904"), "seen: \(seen.sorted())")
    }

    func testDeepNestingOpensAsManyAsItCloses() {
        var mutator = FuzzMutator(seed: 9)
        var deepest = 0
        for _ in 0..<100 {
            var bytes = Array("x".utf8)
            mutator.apply(.deepNesting, to: &bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(text.contains("x"))
            let opened = text.filter { $0 == "[" || $0 == "{" }.count, closed = text.filter { $0 == "]" || $0 == "}" }.count
            XCTAssertEqual(opened, closed, text)
            deepest = max(deepest, opened)
        }
        XCTAssertGreaterThan(deepest, 64, "nesting should pass the configuration's depth limit")
    }

    func testInputsStayWithinTheLengthLimit() {
        var mutator = FuzzMutator(seed: 1, maximumLength: 100)
        var bytes = input
        for _ in 0..<500 {
            bytes = mutator.mutate(bytes, splicingWith: input)
            XCTAssertLessThanOrEqual(bytes.count, 100)
        }
    }
}
