import JikjiVocabStore
import XCTest

/// ``TokenKind/inferred(for:prefix:specials:)`` counts scalars: `##` plus one scalar is a
/// continuation even when `#` and that scalar form one grapheme cluster.
final class TokenKindInferenceTests: XCTestCase {
    func testContinuationsStartingWithMarksModifiersAndSelectors() {
        for token in ["##\u{93E}", "##\u{301}", "##🏽", "##\u{FE0F}", "##\u{200D}", "##a"] {
            XCTAssertEqual(TokenKind.inferred(for: token, prefix: "##", specials: []), .continuation, token)
        }
        XCTAssertEqual(TokenKind.inferred(for: "##ारत", prefix: "##", specials: []), .merged)
        XCTAssertEqual(TokenKind.inferred(for: "\u{301}", prefix: "##", specials: []), .alphabet)
        XCTAssertEqual(TokenKind.inferred(for: "[CLS]", prefix: "##", specials: ["[CLS]"]), .special)
    }
}
