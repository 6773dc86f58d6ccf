// jikji-fuzz: the fuzz entries of JikjiFuzzing as a program.
//
// Built for libFuzzer (scripts/fuzz.sh: -sanitize=fuzzer -parse-as-library -DJIKJI_LIBFUZZER) it is
// a coverage-guided fuzzer of the target named by JIKJI_FUZZ_TARGET; with
// JIKJI_FUZZ_WRITE_SEEDS=DIR it writes that target's seeds into DIR and its dictionary to
// DIR.dict, then exits. Built normally (swift build) it replays inputs and runs the seeded
// mutation loop, for machines without libFuzzer:
//   jikji-fuzz list
//   jikji-fuzz replay TARGET FILE...
//   jikji-fuzz mutate TARGET ITERATIONS [SEED]
import Foundation
import JikjiFuzzing

#if JIKJI_LIBFUZZER

/// The target of this process, read once from JIKJI_FUZZ_TARGET.
private let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["JIKJI_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("jikji-fuzz: set JIKJI_FUZZ_TARGET to one of \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's start-up hook: checks the target, writes the seeds when asked to.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>?,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    let target = fuzzTarget
    if let folder = ProcessInfo.processInfo.environment["JIKJI_FUZZ_WRITE_SEEDS"], !folder.isEmpty {
        do {
            let count = try FuzzCorpusFiles.writeSeeds(target, to: URL(fileURLWithPath: folder))
            try FuzzCorpusFiles.dictionaryText(target).write(toFile: folder + ".dict", atomically: true, encoding: .utf8)
            print("jikji-fuzz: \(count) seeds of \(target.rawValue) in \(folder)")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("jikji-fuzz: cannot write the seeds: \(error)\n".utf8))
            exit(1)
        }
    }
    return 0
}

/// libFuzzer's entry: one input through the target (a crash is the finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzTarget.run(input)
    return 0
}

/// libFuzzer's own mutation of `data` in place (its byte-level mutators and dictionary).
@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// libFuzzer's hook for a custom mutator: half the time libFuzzer's own mutations, half the time
/// ``FuzzMutator``'s structure-aware ones (whole numbers replaced by integers at the limits, deep
/// nesting, repeated ranges), which byte-level mutations seldom build.
@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzerCustomMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int,
                                _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    if seed & 1 == 0 { return libFuzzerMutate(data, size, maxSize) }
    var mutator = FuzzMutator(seed: UInt64(seed), dictionary: fuzzTarget.dictionary, maximumLength: maxSize)
    let mutated = mutator.mutate(Array(UnsafeBufferPointer(start: data, count: size)))
    let count = min(mutated.count, maxSize)
    mutated.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    return count
}

/// libFuzzer's driver, for programs that have a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The program's entry. SwiftPM links executables with `main` bound to `<module>_main` (so that
/// tests can link them), which rules out libFuzzer's own `main`: this one runs libFuzzer's driver.
@_cdecl("jikji_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector, fuzzerTestOneInput)
}

#else

/// The replay and mutation-loop commands, for builds without libFuzzer.
@main
struct JikjiFuzzCommand {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            for target in FuzzTarget.allCases { print("\(target.rawValue)\t\(target.summary)") }
        case "replay" where arguments.count >= 3:
            let chosen = target(named: arguments[1])
            for path in arguments.dropFirst(2) {
                guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
                print("\(path): \(chosen.run([UInt8](data)) == .accepted ? "accepted" : "rejected")")
            }
        case "mutate" where arguments.count >= 3:
            let chosen = target(named: arguments[1])
            guard let iterations = Int(arguments[2]), iterations >= 0 else {
                fail("ITERATIONS must be a count, not \(arguments[2])")
            }
            let seed = arguments.count > 3 ? UInt64(arguments[3]) : nil
            if arguments.count > 3, seed == nil { fail("SEED must be a non-negative integer, not \(arguments[3])") }
            do {
                var loop = try seed.map { try MutationLoop(target: chosen, seed: $0) } ?? MutationLoop(target: chosen)
                loop.lastInputPath = ProcessInfo.processInfo.environment["JIKJI_FUZZ_LAST_INPUT"]
                print("\(chosen.rawValue): \(loop.run(iterations: iterations)), 0 crashes")
            } catch {
                fail("cannot make the seeds of \(chosen.rawValue): \(error)", code: 1)
            }
        default:
            fail("usage: jikji-fuzz list | replay TARGET FILE... | mutate TARGET ITERATIONS [SEED]")
        }
    }

    /// Prints `message` to standard error and exits with `code`.
    static func fail(_ message: String, code: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data("jikji-fuzz: \(message)\n".utf8))
        exit(code)
    }

    /// The target named `name`, or a usage error.
    static func target(named name: String) -> FuzzTarget {
        guard let target = FuzzTarget(rawValue: name) else {
            fail("no target '\(name)'; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }
}

#endif
