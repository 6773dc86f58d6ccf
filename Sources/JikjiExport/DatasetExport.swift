import Foundation
import JikjiData
import JikjiIO
import JikjiRecurrent
import JikjiVocabStore

/// An encoded dataset written for NumPy and PyTorch (`jikji dataset export`): flat ids,
/// per-example offsets, labels or targets, split tags, the vocabulary and a manifest, read by
/// `python/jikji_dataset.py` (memory-mapped).
///
/// The folder is written under a temporary name beside the output and renamed into place, so a
/// crash or a full disk never leaves a half-written export under the real name.
public enum DatasetExport {
    /// How the arrays are stored.
    public enum Format: String, Sendable, CaseIterable {
        /// Every array in one `dataset.safetensors` (HF's format; `I64` tensors).
        case safetensors
        /// One NumPy `.npy` file an array.
        case npy
    }

    /// The manifest's file name.
    public static let manifestName = "jikji-dataset.json"
    /// The vocabulary's file name (one token a line; line n is id n).
    public static let vocabularyName = "vocab.txt"

    /// What an export wrote.
    public struct Written: Sendable, Equatable {
        /// The folder and the files in it.
        public var folder: String
        public var files: [String]
        /// Examples written.
        public var examples: Int
    }

    /// The examples of `splits` (every split when empty), in stored order, as flat arrays.
    static func arrays(of dataset: EncodedDataset, splits: [Split]) -> [String: [Int64]] {
        let chosen = Set((splits.isEmpty ? Split.allCases : splits).map(\.rawValue))
        let kept = dataset.splits.indices.filter { chosen.contains(dataset.splits[$0]) }
        func flat(_ sequences: TokenSequences) -> (ids: [Int64], offsets: [Int64]) {
            var ids: [Int64] = [], offsets: [Int64] = [0]
            ids.reserveCapacity(sequences.tokenCount)
            offsets.reserveCapacity(kept.count + 1)
            for index in kept {
                for id in sequences[index] { ids.append(Int64(id)) }
                offsets.append(Int64(ids.count))
            }
            return (ids, offsets)
        }
        var out: [String: [Int64]] = [:]
        (out["source_ids"], out["source_offsets"]) = flat(dataset.source)
        if let target = dataset.target { (out["target_ids"], out["target_offsets"]) = flat(target) }
        if let labels = dataset.labels { out["labels"] = kept.map { Int64(labels[$0]) } }
        out["split"] = kept.map { Int64(dataset.splits[$0]) }
        return out
    }

    /// Writes the examples of `splits` (all when empty) of `dataset`, with `vocabulary` (the one
    /// its ids refer to), to the folder `output` as `format`. An existing `output` is replaced
    /// only when it is an earlier export (it holds a manifest).
    /// - Throws: ``DatasetExportError``.
    public static func write(_ dataset: EncodedDataset, vocabulary: StoredVocabulary, splits: [Split], format: Format,
                             output: String) throws -> Written {
        guard vocabulary.reference == dataset.info.vocabulary || vocabulary.name == dataset.info.vocabulary else {
            throw DatasetExportError.vocabularyMismatch(dataset: dataset.info.name, expected: dataset.info.vocabulary,
                                                        got: vocabulary.reference)
        }
        let manager = FileManager.default
        let destination = URL(fileURLWithPath: output).standardizedFileURL
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: destination.path, isDirectory: &isFolder) {
            let isExport = isFolder.boolValue && manager.fileExists(atPath: destination.appendingPathComponent(manifestName).path)
            guard isExport else { throw DatasetExportError.outputInUse(destination.path) }
        }
        let parent = destination.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let temporary = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(pid)")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try? manager.removeItem(at: temporary)
            try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw DatasetExportError.unwritable(temporary.path, SystemErrorText.plainReason(error))
        }
        do {
            let files = try fill(temporary, dataset: dataset, vocabulary: vocabulary, splits: splits, format: format)
            try replace(destination, with: temporary)
            let examples = dataset.splits.filter { tag in splits.isEmpty || splits.contains { $0.rawValue == tag } }.count
            return Written(folder: destination.path, files: files.map { destination.appendingPathComponent($0).path }, examples: examples)
        } catch {
            try? manager.removeItem(at: temporary)
            if let error = error as? DatasetExportError { throw error }
            throw DatasetExportError.unwritable(temporary.path, SystemErrorText.plainReason(error))
        }
    }

    /// Writes every file of the export into `folder`; returns their names, manifest last.
    static func fill(_ folder: URL, dataset: EncodedDataset, vocabulary: StoredVocabulary, splits: [Split],
                     format: Format) throws -> [String] {
        let arrays = arrays(of: dataset, splits: splits)
        var files: [String] = []
        var arrayFiles: [String: String] = [:]
        switch format {
        case .npy:
            for name in arrays.keys.sorted() {
                let file = name + ".npy"
                try NPYArray(arrays[name]!).encoded().write(to: folder.appendingPathComponent(file))
                arrayFiles[name] = file
                files.append(file)
            }
        case .safetensors:
            let file = "dataset.safetensors"
            var tensors: [String: IntegerTensor] = [:]
            for (name, values) in arrays { tensors[name] = IntegerTensor(shape: [values.count], values: values) }
            let metadata = ["format": "jikji-dataset", "dataset": dataset.info.name, "vocabulary": vocabulary.reference]
            try SafeTensorsFile(integerTensors: tensors, metadata: metadata).write(to: folder.appendingPathComponent(file))
            for name in arrays.keys { arrayFiles[name] = file }
            files.append(file)
        }
        try vocabulary.export(to: folder.appendingPathComponent(vocabularyName), format: .vocabTxt)
        files.append(vocabularyName)
        let chosen = splits.isEmpty ? Split.allCases : Split.allCases.filter(splits.contains)
        var examples: [String: Int] = [:]
        let tags = arrays["split"] ?? []
        for split in chosen { examples[split.description] = tags.lazy.filter { $0 == Int64(split.rawValue) }.count }
        var specials = ["pad": Int(dataset.info.specialTokens.pad)]
        if let unk = dataset.info.specialTokens.unk { specials["unk"] = Int(unk) }
        if let cls = dataset.info.specialTokens.cls { specials["cls"] = Int(cls) }
        if let sep = dataset.info.specialTokens.sep { specials["sep"] = Int(sep) }
        let manifest = DatasetExportManifest(
            format: "jikji-dataset", version: 1, storage: format.rawValue, dataset: dataset.info.name,
            kind: dataset.info.kind.rawValue, vocabulary: vocabulary.reference, vocabularyFile: vocabularyName,
            vocabularySize: vocabulary.tokens.count, specialTokens: specials, splits: chosen.map(\.description),
            examples: examples, arrays: arrayFiles, dtype: "int64", provenance: dataset.info)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: folder.appendingPathComponent(manifestName))
        files.append(manifestName)
        return files
    }

    /// Renames `temporary` to `destination`, moving an earlier export there aside first and
    /// deleting it after.
    static func replace(_ destination: URL, with temporary: URL) throws {
        let manager = FileManager.default
        var old: URL?
        if manager.fileExists(atPath: destination.path) {
            let aside = temporary.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
            try? manager.removeItem(at: aside)
            guard rename(destination.path, aside.path) == 0 else {
                throw DatasetExportError.unwritable(destination.path, String(cString: strerror(errno)))
            }
            old = aside
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old.path, destination.path) }
            throw DatasetExportError.unwritable(destination.path, reason)
        }
        if let old { try? manager.removeItem(at: old) }
    }
}

/// Why a dataset export was refused or failed.
public enum DatasetExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output exists and is not an earlier export (no manifest in it).
    case outputInUse(String)
    /// The vocabulary given is not the one the dataset's ids refer to.
    case vocabularyMismatch(dataset: String, expected: String, got: String)
    /// A file or folder could not be written, and why.
    case unwritable(String, String)

    public var description: String {
        switch self {
        case let .outputInUse(path):
            return "\(path) exists and is not a Jikji dataset export (no \(DatasetExport.manifestName)); choose another --output or remove it"
        case let .vocabularyMismatch(dataset, expected, got):
            return "dataset \(dataset) was encoded with vocabulary \(expected), not \(got)"
        case let .unwritable(path, reason): return "\(path): \(reason)"
        }
    }
}
