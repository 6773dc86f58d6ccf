import JikjiIO
import Foundation
import JikjiText
import JikjiWordPiece

/// Provenance and counts of an encoded dataset: what it was built from, with what, and what came out.
public struct DatasetInfo: Codable, Sendable, Equatable {
    /// One corpus file and the split its examples went to (`"all"` when split by ratio).
    public struct SourceFile: Codable, Sendable, Equatable {
        /// `train`, `valid`, `test`, or `all` (split by ratio).
        public var role: String
        /// The file's fingerprint; for a part built from a shard, that of the bytes it read.
        public var fingerprint: FileFingerprint
        /// For a part built from a shard: where the bytes it read start in the file.
        public var start: Int64?

        /// A file of `role` with its fingerprint.
        public init(role: String, fingerprint: FileFingerprint, start: Int64? = nil) {
            self.role = role
            self.fingerprint = fingerprint
            self.start = start
        }
    }

    /// The dataset's name and kind.
    public var name: String
    public var kind: DatasetKind
    /// The vocabulary the ids refer to, `name@version`.
    public var vocabulary: String
    /// The vocabulary's size and its special-token ids.
    public var vocabularySize: Int
    public var specialTokens: SpecialTokenIDs
    /// The spec (columns, label mapping, split, seed, bad-row policy) the dataset was built with.
    public var spec: DatasetSpec
    /// Every corpus file read, with its fingerprint.
    public var files: [SourceFile]
    /// Examples per split name.
    public var examples: [String: Int]
    /// Ids stored on the source (text) side and, for pairs, the target side.
    public var sourceTokens: Int
    public var targetTokens: Int
    /// Rows read from the corpus (excluding headers) and rows left out, by reason.
    public var rowsRead: Int
    public var skipped: [String: Int]
    /// Examples per label (classification), keyed by the label id as text.
    public var labelCounts: [String: Int]
    /// ISO 8601 time of the build, the tool version, and the build's wall time.
    public var created: String
    public var toolVersion: String
    public var buildSeconds: Double
    /// Set on a part built from one shard of the corpus (`dataset build --shard I/N`): which
    /// shard. Such a part holds its examples in corpus order, split by file role only (a ratio
    /// split is drawn when the parts are merged, over all examples); nil for a whole dataset.
    public var part: InputShardNumber?

    /// Provenance from its parts; see each property.
    public init(name: String, kind: DatasetKind, vocabulary: String, vocabularySize: Int, specialTokens: SpecialTokenIDs,
                spec: DatasetSpec, files: [SourceFile], examples: [String: Int], sourceTokens: Int, targetTokens: Int,
                rowsRead: Int, skipped: [String: Int], labelCounts: [String: Int], created: String, toolVersion: String,
                buildSeconds: Double, part: InputShardNumber? = nil) {
        self.name = name
        self.kind = kind
        self.vocabulary = vocabulary
        self.vocabularySize = vocabularySize
        self.specialTokens = specialTokens
        self.spec = spec
        self.files = files
        self.examples = examples
        self.sourceTokens = sourceTokens
        self.targetTokens = targetTokens
        self.rowsRead = rowsRead
        self.skipped = skipped
        self.labelCounts = labelCounts
        self.created = created
        self.toolVersion = toolVersion
        self.buildSeconds = buildSeconds
        self.part = part
    }

    /// Examples per split name and per label (as text) of examples tagged `splits` with `labels`
    /// (label 0 for every example without labels), as a build records them.
    static func tallies(splits: [UInt8], labels: [Int32]?) -> (examples: [String: Int], labelCounts: [String: Int]) {
        var examples: [String: Int] = [:]
        for split in Split.allCases { examples[split.description] = 0 }
        for tag in splits { examples[(Split(rawValue: tag) ?? .train).description, default: 0] += 1 }
        var labelCounts: [String: Int] = [:]
        if let labels {
            for label in labels { labelCounts[String(label), default: 0] += 1 }
        } else if !splits.isEmpty {
            labelCounts["0"] = splits.count
        }
        return (examples, labelCounts)
    }
}

/// Which shard of how many a dataset part was built from (``InputShard``, as stored).
public struct InputShardNumber: Codable, Sendable, Equatable {
    /// The 0-based shard.
    public var index: Int
    /// How many shards the corpus was cut into.
    public var count: Int

    /// Shard `index` of `count`.
    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }
}

/// An encoded dataset in memory: flat token ids, labels and split tags for every example.
///
/// Example `i` has source ids `source[i]`, target ids `target?[i]` (pairs), label `labels?[i]`
/// (classification) and split `splits[i]`. LM datasets store one document per example.
public struct EncodedDataset: Sendable {
    /// Provenance, source ids, target ids (pairs), labels, and split tags.
    public var info: DatasetInfo
    public var source: TokenSequences
    public var target: TokenSequences?
    public var labels: [Int32]?
    /// ``Split`` raw values, one per example.
    public var splits: [UInt8]

    public init(info: DatasetInfo, source: TokenSequences, target: TokenSequences? = nil,
                labels: [Int32]? = nil, splits: [UInt8]) {
        self.info = info
        self.source = source
        self.target = target
        self.labels = labels
        self.splits = splits
    }

    /// The number of examples over all splits.
    public var count: Int { source.count }

    /// The indices of the examples of `split`, in stored order.
    public func indices(of split: Split) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        for i in 0..<splits.count where splits[i] == split.rawValue { result.append(i) }
        return result
    }
}

/// Errors reading or writing a dataset shard file.
public enum ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAShard(String)
    case unsupportedVersion(String, UInt32)
    case truncated(String, String)
    case io(String, String)

    public var description: String {
        switch self {
        case let .notAShard(path): return "\(path) is not a Jikji dataset shard (no JKDS header)"
        case let .unsupportedVersion(path, version):
            return "\(path) is a dataset shard of format version \(version), newer than this jikji reads (1); upgrade jikji"
        case let .truncated(path, section): return "\(path) is truncated or corrupt (section \(section)); rebuild the dataset"
        case let .io(path, why): return "\(path): \(why)"
        }
    }
}

/// The on-disk form of an ``EncodedDataset``: one binary file per dataset.
///
/// Layout (all integers little-endian, sections 8-byte aligned):
/// ```
/// "JKDS" | version UInt32 = 1 | info length UInt32 | info JSON (DatasetInfo) | pad
/// then six sections, each: element count UInt64 | elements | pad to 8 bytes
///   source offsets UInt32[N+1] | source ids TokenID[] | target offsets UInt32[M+1 or 0]
///   target ids TokenID[] | labels Int32[N or 0] | splits UInt8[N]
/// ```
/// Why a flat binary file rather than SQLite blobs: an epoch reads every id, and a single
/// contiguous read plus a `memcpy` per section is the fastest way to get there (150k NSMC
/// reviews load in milliseconds); SQLite catalogs the shards (``DatasetCatalog``) for lookup,
/// listing and provenance queries. The file is written to a temporary name and renamed, so a
/// crash never leaves a half-written shard under the real name.
public enum ShardFile {
    static let magic: [UInt8] = Array("JKDS".utf8)
    static let version: UInt32 = 1

    /// Writes `dataset` to `path` atomically (temporary file in the same folder, then rename).
    public static func write(_ dataset: EncodedDataset, to path: String) throws {
        var out = Data()
        out.reserveCapacity(64 + dataset.source.tokenCount * 4 + dataset.count * 13 + (dataset.target?.tokenCount ?? 0) * 4)
        out.append(contentsOf: magic)
        appendInteger(version, to: &out)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let info = try encoder.encode(dataset.info)
        appendInteger(UInt32(info.count), to: &out)
        out.append(info)
        pad(&out)
        appendSection(dataset.source.offsets, to: &out)
        appendSection(dataset.source.ids, to: &out)
        appendSection(dataset.target?.offsets ?? [], to: &out)
        appendSection(dataset.target?.ids ?? [], to: &out)
        appendSection(dataset.labels ?? [], to: &out)
        appendSection(dataset.splits, to: &out)

        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            do {
                // A full disk stops the write part-way: the partial file is removed.
                try WholeFile.write(out, toNewFile: temporary.path)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw ShardError.io(path, "cannot write the dataset shard: \(SystemErrorText.plainReason(error))")
            }
            if rename(temporary.path, url.path) != 0 {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw ShardError.io(path, "cannot rename the temporary shard into place: \(String(cString: strerror(code)))")
            }
        } catch let error as ShardError {
            throw error
        } catch {
            throw ShardError.io(path, SystemErrorText.describe(error))
        }
    }

    /// Reads only the info block of a shard (fast: the ids are not touched).
    public static func readInfo(path: String) throws -> DatasetInfo {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ShardError.io(path, "cannot open the dataset shard") }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 12), head.count == 12 else { throw ShardError.notAShard(path) }
        let length = try headerLength(head, path: path)
        guard let json = try? handle.read(upToCount: length), json.count == length else { throw ShardError.truncated(path, "info") }
        return try decodeInfo(json, path: path)
    }

    /// Reads a whole shard.
    public static func read(path: String) throws -> EncodedDataset {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ShardError.io(path, "cannot read the dataset shard: \(SystemErrorText.plainReason(error))")
        }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> EncodedDataset in
            guard raw.count >= 12 else { throw ShardError.notAShard(path) }
            let length = try headerLength(Data(raw[0..<12]), path: path)
            guard raw.count >= 12 + length else { throw ShardError.truncated(path, "info") }
            let info = try decodeInfo(Data(raw[12..<(12 + length)]), path: path)
            var cursor = aligned(12 + length)
            let sourceOffsets: [UInt32] = try readSection(raw, &cursor, path: path, name: "source offsets")
            // Ids are stored as the 32-bit patterns of their TokenID values (format version 1 wrote
            // them as UInt32: the same bytes for every id below 2^31, which every vocabulary is).
            let sourceIDs: [TokenID] = try readSection(raw, &cursor, path: path, name: "source ids")
            let targetOffsets: [UInt32] = try readSection(raw, &cursor, path: path, name: "target offsets")
            let targetIDs: [TokenID] = try readSection(raw, &cursor, path: path, name: "target ids")
            let labels: [Int32] = try readSection(raw, &cursor, path: path, name: "labels")
            let splits: [UInt8] = try readSection(raw, &cursor, path: path, name: "splits")
            let n = sourceOffsets.count - 1
            guard n >= 0, sourceOffsets.first == 0, Int(sourceOffsets.last!) == sourceIDs.count, splits.count == n,
                  labels.isEmpty || labels.count == n,
                  targetOffsets.isEmpty || (targetOffsets.count == n + 1 && Int(targetOffsets.last!) == targetIDs.count)
            else { throw ShardError.truncated(path, "section sizes disagree") }
            return EncodedDataset(
                info: info,
                source: TokenSequences(ids: sourceIDs, offsets: sourceOffsets),
                target: targetOffsets.isEmpty ? nil : TokenSequences(ids: targetIDs, offsets: targetOffsets),
                labels: labels.isEmpty ? nil : labels,
                splits: splits)
        }
    }

    private static func headerLength(_ head: Data, path: String) throws -> Int {
        guard Array(head.prefix(4)) == magic else { throw ShardError.notAShard(path) }
        let bytes = Array(head)
        let version = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        guard version <= Self.version else { throw ShardError.unsupportedVersion(path, version) }
        return Int(UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
    }

    private static func decodeInfo(_ json: Data, path: String) throws -> DatasetInfo {
        do { return try JSONDecoder().decode(DatasetInfo.self, from: json) } catch {
            throw ShardError.truncated(path, "info JSON: \(error)")
        }
    }

    private static func aligned(_ offset: Int) -> Int { (offset + 7) & ~7 }

    private static func pad(_ data: inout Data) {
        while data.count % 8 != 0 { data.append(0) }
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func appendSection<T: FixedWidthInteger>(_ values: [T], to data: inout Data) {
        appendInteger(UInt64(values.count), to: &data)
        #if _endian(big)
        for value in values { appendInteger(value, to: &data) }
        #else
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #endif
        pad(&data)
    }

    private static func readSection<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ cursor: inout Int,
                                                          path: String, name: String) throws -> [T] {
        guard cursor + 8 <= raw.count else { throw ShardError.truncated(path, name) }
        let count = Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: cursor, as: UInt64.self)))
        cursor += 8
        let size = count * MemoryLayout<T>.stride
        guard count >= 0, cursor + size <= raw.count else { throw ShardError.truncated(path, name) }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if size > 0 {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[cursor..<(cursor + size)]))
            }
            initialized = count
        }
        cursor = aligned(cursor + size)
        #if _endian(big)
        return values.map { T(littleEndian: $0) }
        #else
        return values
        #endif
    }
}
