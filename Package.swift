// swift-tools-version:6.0
// Tools 6.0: every target compiles in the Swift 6 language mode (complete concurrency checking).
// Jikji: WordPiece vocabularies, ICU text cleaning, batching and recurrent networks for Korean text.
//
// Module layering (a lower module never imports a higher one):
//   CICU, CSQLite, CBLAS, CMPI      thin C shims / system libraries (CBLAS opens OpenBLAS at run time,
//                                   CMPI Open MPI's libmpi when mpirun started the process)
//   JikjiIO                         bytes in and out: record framing (lines, TSV, CSV, JSONL), UTF-8
//                                   checks, fingerprints, SHA-256, atomic output files, standard streams
//   JikjiTerminal                   progress bars shared by long commands (written through JikjiIO's StandardStreams)
//   JikjiConfig                     the configuration value tree (YAML/JSON, lines, --set), typed reader, ConfigError;
//                                   the one JSON parser (JSONValue keeps keys byte-exact for tokenizer.json); files read through JikjiIO
//   JikjiText                       normalization and cleansing (ICU)
//   JikjiSQLite                     thin Swift layer over libsqlite3
//   JikjiWordPiece                  trainer, encoder, decoder, HF-compatible files
//   JikjiVocabStore                 vocabularies in SQLite
//   JikjiData                       corpus readers, encoded datasets, batching
//   JikjiRecurrent                  tensors on BLAS, layers, losses, optimizers
//   JikjiModels                     classifier, language model, encoder-decoder; they read JikjiData's
//                                   batches (models are above batches in the data flow)
//   JikjiTraining                   Trainer: optimizer, schedule, clipping, evaluation, early stopping,
//                                   checkpoints and resume, for any TrainableModel
//   JikjiDistributed                data-parallel training over MPI: the Trainer's TrainingDistribution
//                                   hook (batch shares, gradient allreduce, row-sparse embedding rows)
//   JikjiJobs                       job files: config → Trainer, run registry, reports, inference runs
//   JikjiExport                     runs and datasets into other tools' formats: ONNX graphs (its own protobuf
//                                   encoder, JikjiIO's ProtobufWriter), a generated PyTorch module, dataset
//                                   arrays (npy, safetensors); above JikjiJobs (it reads trained runs)
//   jikji                           the CLI: parses arguments and calls the library
//   JikjiFuzzing, jikji-fuzz        fuzz entries over the parsers of user files (the library entry
//                                   points the CLI calls), seed corpora, a seeded mutation loop;
//                                   jikji-fuzz is the libFuzzer driver (scripts/fuzz.sh)
import PackageDescription

let package = Package(
    name: "Jikji",
    // Synchronization (Mutex, Atomic) needs macOS 15 on Darwin; Linux has no such floor.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jikji", targets: ["jikji"]),
        .library(name: "JikjiIO", targets: ["JikjiIO"]),
        .library(name: "JikjiConfig", targets: ["JikjiConfig"]),
        .library(name: "JikjiText", targets: ["JikjiText"]),
        .library(name: "JikjiWordPiece", targets: ["JikjiWordPiece"]),
        .library(name: "JikjiVocabStore", targets: ["JikjiVocabStore"]),
        .library(name: "JikjiData", targets: ["JikjiData"]),
        .library(name: "JikjiRecurrent", targets: ["JikjiRecurrent"]),
        .library(name: "JikjiModels", targets: ["JikjiModels"]),
        .library(name: "JikjiTraining", targets: ["JikjiTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // ICU behind plain C types: Foundation on Linux carries its own ICU, and exposing
        // Debian's ICU headers to Swift clashes with it ("'UErrorCode' has different definitions").
        .target(
            name: "CICU",
            path: "Sources/CICU",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // OpenBLAS opened with dlopen once Jikji chose its kernel (OpenBLAS reads OPENBLAS_CORETYPE
        // while it loads, which for a linked library is before main): see Sources/CBLAS/include/CBLAS.h.
        .target(name: "CBLAS", path: "Sources/CBLAS", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Open MPI opened with dlopen only when mpirun started several ranks, so the default build
        // and run need no MPI: see Sources/CMPI/include/CMPI.h.
        .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        .target(name: "JikjiTerminal", dependencies: ["JikjiIO"]),
        .target(name: "JikjiIO"),
        .target(name: "JikjiConfig", dependencies: ["JikjiIO", .product(name: "Yams", package: "Yams")]),
        .target(name: "JikjiText", dependencies: ["JikjiIO", "CICU", "JikjiConfig"]),
        .target(name: "JikjiSQLite", dependencies: ["CSQLite"]),
        .target(
            name: "JikjiWordPiece",
            // JikjiConfig for the one JSON parser (tokenizer.json is read into its JSONValue).
            dependencies: ["JikjiIO", "JikjiConfig", "JikjiText", .product(name: "Collections", package: "swift-collections")]
        ),
        .target(name: "JikjiVocabStore", dependencies: ["JikjiIO", "JikjiSQLite", "JikjiWordPiece", "JikjiText"]),
        .target(name: "JikjiData", dependencies: ["JikjiIO", "JikjiConfig", "JikjiText", "JikjiWordPiece", "JikjiVocabStore", "JikjiSQLite"]),
        // Fused, vectorized gate kernels of the recurrent layers (runtime ISA dispatch).
        .target(name: "CJikjiKernels", path: "Sources/CJikjiKernels"),
        .target(name: "JikjiRecurrent", dependencies: ["JikjiIO", "CBLAS", "CJikjiKernels"]),
        .target(name: "JikjiModels", dependencies: ["JikjiRecurrent", "JikjiData", "JikjiWordPiece"]),
        .target(name: "JikjiTraining", dependencies: ["JikjiModels", "JikjiData", "JikjiRecurrent", "JikjiWordPiece", "JikjiTerminal"]),
        .target(name: "JikjiDistributed", dependencies: ["CMPI", "JikjiData", "JikjiRecurrent", "JikjiTraining"]),
        .target(
            name: "JikjiJobs",
            dependencies: [
                "JikjiIO", "JikjiConfig", "JikjiSQLite", "JikjiTerminal", "JikjiText", "JikjiWordPiece", "JikjiVocabStore", "JikjiData",
                "JikjiRecurrent", "JikjiModels", "JikjiTraining", "JikjiDistributed",
            ]
        ),

        .target(name: "JikjiExport", dependencies: ["JikjiIO", "JikjiWordPiece", "JikjiData", "JikjiRecurrent", "JikjiModels", "JikjiVocabStore", "JikjiJobs"]),

        .executableTarget(
            name: "jikji",
            dependencies: [
                "JikjiIO", "JikjiConfig", "JikjiText", "JikjiWordPiece", "JikjiVocabStore", "JikjiData", "JikjiRecurrent",
                "JikjiModels", "JikjiJobs", "JikjiExport", "JikjiTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Microbenchmark of the recurrent layers (bench/recurrent.sh); not part of the user CLI.
        .executableTarget(name: "jikji-bench-recurrent", dependencies: ["JikjiRecurrent"]),
        // Microbenchmark of attention, losses, embedding, linear and optimizers (bench/nn.sh).
        .executableTarget(name: "jikji-bench-nn", dependencies: ["JikjiRecurrent"]),
        // Full against adaptive softmax: output layer and language-model steps (bench/lm-output.sh).
        .executableTarget(name: "jikji-bench-lm", dependencies: ["JikjiModels", "JikjiRecurrent"]),

        // Shared by the test targets: where the reference outputs and corpora are.
        .target(name: "JikjiTestSupport", path: "Sources/JikjiTestSupport"),
        // One fuzz entry per parser of user files, its seeds and the seeded mutation loop; run by
        // jikji-fuzz under libFuzzer (scripts/fuzz.sh, built with -sanitize=fuzzer) and by
        // JikjiFuzzTests in the normal suite.
        .target(
            name: "JikjiFuzzing",
            dependencies: ["JikjiIO", "JikjiConfig", "JikjiText", "JikjiWordPiece", "JikjiVocabStore", "JikjiData",
                           "JikjiRecurrent", "JikjiModels", "JikjiJobs", "JikjiTestSupport"]
        ),
        .executableTarget(name: "jikji-fuzz", dependencies: ["JikjiFuzzing"]),
        .testTarget(name: "JikjiIOTests", dependencies: ["JikjiIO", "JikjiTestSupport"]),
        .testTarget(name: "JikjiConfigTests", dependencies: ["JikjiConfig", "JikjiIO", "JikjiTestSupport"]),
        .testTarget(name: "JikjiTextTests", dependencies: ["JikjiIO", "JikjiText", "JikjiConfig", "JikjiTestSupport"]),
        .testTarget(name: "JikjiWordPieceTests", dependencies: ["JikjiIO", "JikjiConfig", "JikjiWordPiece", "JikjiTestSupport"],
                    exclude: ["Fixtures"]),  // HF outputs read by path (scripts/make-hf-fixtures.py)
        .testTarget(name: "JikjiVocabStoreTests", dependencies: ["JikjiIO", "JikjiVocabStore", "JikjiSQLite", "JikjiText", "JikjiWordPiece", "JikjiTestSupport"]),
        .testTarget(name: "JikjiDataTests", dependencies: ["JikjiIO", "JikjiData", "JikjiWordPiece", "JikjiTestSupport"]),
        .testTarget(name: "JikjiRecurrentTests", dependencies: ["JikjiRecurrent", "CJikjiKernels", "JikjiTestSupport"],
                    // PyTorch outputs read by path (scripts/make-bf16-autocast-fixtures.py, make-adaptive-softmax-fixture.py)
                    exclude: ["Fixtures"]),
        .testTarget(name: "JikjiModelsTests", dependencies: ["JikjiModels", "JikjiRecurrent", "JikjiData", "JikjiTestSupport"],
                    exclude: ["Fixtures"]),  // PyTorch outputs read by path (scripts/make-classifier-ce-fixture.py)
        .testTarget(name: "JikjiTrainingTests", dependencies: ["JikjiTraining", "JikjiModels", "JikjiData", "JikjiRecurrent", "JikjiTestSupport"]),
        // The README's library example, compiled and run on a slice of NSMC.
        .testTarget(name: "JikjiExampleTests", dependencies: ["JikjiTraining", "JikjiModels", "JikjiData", "JikjiVocabStore", "JikjiWordPiece", "JikjiTestSupport"]),
        .testTarget(name: "JikjiTerminalTests", dependencies: ["JikjiTerminal"]),
        .testTarget(name: "JikjiJobsTests", dependencies: ["JikjiJobs", "JikjiConfig", "JikjiText", "JikjiTraining", "JikjiSQLite", "JikjiData", "JikjiModels", "JikjiRecurrent", "JikjiVocabStore", "JikjiWordPiece", "JikjiTestSupport"]),
        .testTarget(name: "JikjiDistributedTests", dependencies: ["JikjiDistributed", "JikjiTraining", "JikjiData", "JikjiRecurrent", "JikjiTestSupport"]),
        .testTarget(name: "JikjiCLITests", dependencies: ["JikjiTestSupport"]),
        .testTarget(name: "JikjiExportTests", dependencies: ["JikjiExport", "JikjiData", "JikjiVocabStore", "JikjiIO", "JikjiModels", "JikjiRecurrent", "JikjiTestSupport"]),
        // The fuzz entries' seeds, a bounded seeded mutation run per target, and the replay of
        // every input a fuzzing run ever crashed on (Regressions/<target>/, read by path).
        .testTarget(name: "JikjiFuzzTests", dependencies: ["JikjiFuzzing", "JikjiTestSupport"],
                    exclude: ["Regressions"]),
    ]
)
