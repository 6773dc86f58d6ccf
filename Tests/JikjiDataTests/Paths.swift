import JikjiTestSupport

/// Corpus paths for this suite; missing corpora fail the test (never skip).
enum JikjiTestSupportPaths {
    static func corpus(_ relative: String) throws -> String { try ProjectPaths.corpus(relative).path }
}
