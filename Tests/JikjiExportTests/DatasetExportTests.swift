import Foundation
import XCTest
import JikjiData
import JikjiExport
import JikjiRecurrent
import JikjiTestSupport
import JikjiVocabStore

/// `jikji dataset export`'s library side: the arrays, the vocabulary and the manifest, in both
/// storage formats, and the folder's replacement rules.
final class DatasetExportTests: XCTestCase {
    func vocabulary() -> StoredVocabulary {
        let texts = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "가", "나", "다", "##라"]
        return StoredVocabulary(name: "t", tokens: texts.map { StoredToken(text: $0, kind: $0.hasPrefix("[") ? .special : .alphabet) },
                                normalizer: .korean, origin: "test", toolVersion: "0", version: 1)
    }

    func dataset() throws -> EncodedDataset {
        var data = try EncodedDataset(sequences: [[4, 5], [6], [7, 4, 5], [5]], labels: [1, 0, 1, 0],
                                      splits: [.train, .valid, .train, .test],
                                      specialTokens: SpecialTokenIDs(pad: 0, unk: 1, cls: 2, sep: 3), name: "d")
        data.info.vocabulary = "t@1"
        return data
    }

    /// The int64 values of a `.npy` file, after checking its magic and header.
    func npy(_ path: String) throws -> [Int64] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + length) % 64, 0, "data 64-byte aligned")
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<i8', 'fortran_order': False, 'shape': ("), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        var values: [Int64] = []
        for start in stride(from: 10 + length, to: bytes.count, by: 8) {
            var value: UInt64 = 0
            for k in 0..<8 { value |= UInt64(bytes[start + k]) << UInt64(8 * k) }
            values.append(Int64(bitPattern: value))
        }
        return values
    }

    func testNPYExportHoldsTheSelectedSplitsArraysVocabularyAndManifest() throws {
        let folder = try TempFolder()
        let output = folder.url.appendingPathComponent("out").path
        let written = try DatasetExport.write(try dataset(), vocabulary: vocabulary(), splits: [.train, .test], format: .npy, output: output)
        XCTAssertEqual(written.examples, 3)
        XCTAssertEqual(try npy(output + "/source_ids.npy"), [4, 5, 7, 4, 5, 5])
        XCTAssertEqual(try npy(output + "/source_offsets.npy"), [0, 2, 5, 6])
        XCTAssertEqual(try npy(output + "/labels.npy"), [1, 1, 0])
        XCTAssertEqual(try npy(output + "/split.npy"), [0, 0, 2])
        XCTAssertEqual(try String(contentsOfFile: output + "/vocab.txt", encoding: .utf8), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n가\n나\n다\n##라\n")
        let manifest = try JSONDecoder().decode(DatasetExportManifest.self, from: Data(contentsOf: URL(fileURLWithPath: output + "/jikji-dataset.json")))
        XCTAssertEqual(manifest.vocabulary, "t@1")
        XCTAssertEqual(manifest.kind, "classification")
        XCTAssertEqual(manifest.splits, ["train", "test"])
        XCTAssertEqual(manifest.examples, ["train": 2, "test": 1])
        XCTAssertEqual(manifest.specialTokens, ["pad": 0, "unk": 1, "cls": 2, "sep": 3])
        XCTAssertEqual(manifest.arrays["labels"], "labels.npy")
        XCTAssertNil(manifest.arrays["target_ids"])
        // No temporary folder is left beside the export.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["out"])
    }

    func testSafeTensorsExportOfPairsHoldsTargets() throws {
        let folder = try TempFolder()
        var pairs = try EncodedDataset(sequences: [[4], [5, 6]], targets: [[6, 7], [4]], specialTokens: SpecialTokenIDs(pad: 0, cls: 2, sep: 3))
        pairs.info.vocabulary = "t@1"
        let output = folder.url.appendingPathComponent("pairs").path
        _ = try DatasetExport.write(pairs, vocabulary: vocabulary(), splits: [], format: .safetensors, output: output)
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: output + "/dataset.safetensors"))
        XCTAssertEqual(file.integerTensors["target_ids"]?.values, [6, 7, 4])
        XCTAssertEqual(file.integerTensors["target_offsets"]?.values, [0, 2, 3])
        XCTAssertEqual(file.integerTensors["source_ids"]?.values, [4, 5, 6])
        XCTAssertNil(file.integerTensors["labels"])
        XCTAssertEqual(file.metadata["vocabulary"], "t@1")
    }

    func testAnEarlierExportIsReplacedAndAnyOtherFolderRefused() throws {
        let folder = try TempFolder()
        let output = folder.url.appendingPathComponent("out").path
        _ = try DatasetExport.write(try dataset(), vocabulary: vocabulary(), splits: [], format: .safetensors, output: output)
        _ = try DatasetExport.write(try dataset(), vocabulary: vocabulary(), splits: [.valid], format: .npy, output: output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "/dataset.safetensors"), "the earlier export is gone")
        XCTAssertEqual(try npy(output + "/labels.npy"), [0])
        let other = folder.url.appendingPathComponent("other").path
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        XCTAssertThrowsError(try DatasetExport.write(try dataset(), vocabulary: vocabulary(), splits: [], format: .npy, output: other)) {
            XCTAssertEqual($0 as? DatasetExportError, .outputInUse(URL(fileURLWithPath: other).standardizedFileURL.path))
        }
        var wrong = vocabulary()
        wrong.version = 2
        XCTAssertThrowsError(try DatasetExport.write(try dataset(), vocabulary: wrong, splits: [], format: .npy, output: output)) {
            guard case .vocabularyMismatch = $0 as? DatasetExportError else { return XCTFail("\($0)") }
        }
    }
}
