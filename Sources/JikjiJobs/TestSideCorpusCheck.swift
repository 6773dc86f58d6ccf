import Foundation
import JikjiIO

/// The no-test-text rule of language-model jobs: a language model must never train on the text of
/// NSMC's test side (`ratings_test.txt`, the classifier's test set, and `reviews_test.tsv`, reviews
/// of the test-side movies), or a classifier fine-tuned from it is evaluated on text it has seen.
///
/// Checked two ways, before any dataset is built: by **name** (a training file called
/// `ratings_test.txt` or `reviews_test.tsv`, which also catches slices and edited copies in the
/// corpora's layout), and by **content** (a file of exactly a published test file's size whose
/// SHA-256 is that file's, which catches a renamed copy; only files of those sizes are hashed, so
/// the check costs nothing on other corpora). A fingerprint alone would miss a slice, a name alone
/// a renamed copy; rows copied into another file are beyond both (that needs a row-level check,
/// not made here).
public enum TestSideCorpusCheck {
    /// A published NSMC test-side file.
    struct KnownFile {
        let name: String
        let bytes: Int64
        let sha256: String
        let what: String
    }

    /// The files as published (github.com/e9t/nsmc) and as the shared corpus folder holds them.
    static let knownFiles = [
        KnownFile(name: "ratings_test.txt", bytes: 2_412_699,
                  sha256: "fa56924291c7e54e2ed71c392cb751d7995911c5fa9f0da570c3e466baf0b7a6",
                  what: "NSMC's test set (the classifier's test reviews)"),
        KnownFile(name: "reviews_test.tsv", bytes: 7_570_021,
                  sha256: "89634f82857dd45cfe3326949f5841a559fccbd8add04d67bf230b66ccf47a6a",
                  what: "the reviews of NSMC's test-side movies"),
    ]

    /// Throws ``JobRunError/data(_:)`` for the first of `paths` (a language model's training
    /// files, `key` naming where the job lists them) that is NSMC test-side text.
    public static func refuseTestSide(_ paths: [String], key: String) throws {
        for path in paths {
            let name = URL(fileURLWithPath: path).lastPathComponent
            if let known = knownFiles.first(where: { $0.name == name }) {
                throw refusal(path: path, key: key, known: known, how: "by its name")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
            for known in knownFiles where known.bytes == size {
                if try digest(of: path) == known.sha256 {
                    throw refusal(path: path, key: key, known: known, how: "by its content (a copy of \(known.name))")
                }
            }
        }
    }

    static func refusal(path: String, key: String, known: KnownFile, how: String) -> JobRunError {
        .data("\(key): \(path) is \(known.what), recognised \(how); a language model must never train on NSMC's test side, "
              + "or a classifier fine-tuned from it is tested on text it has read. Pretrain on corpora/nsmc/reviews_train.tsv "
              + "and corpora/nsmc/ratings_train.txt (a test-side file may stay in data.test, which is only evaluated)")
    }

    /// The SHA-256 (hex) of the file at `path`.
    static func digest(of path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var hash = SHA256()
        data.withUnsafeBytes { hash.update($0) }
        return hash.finalizeHex()
    }
}
