// Microbenchmark of Jikji's recurrent layers, the Swift half of bench/recurrent.sh.
//
// Prints one tab-separated line per configuration:
//   framework cell hidden directions mode lengths threads tokens_per_second gflops
// with the same configurations and the same lengths as bench/recurrent_torch.py.
// Usage: jikji-bench-recurrent [--threads N] [--seconds S] [--filter SUBSTRING] [--schedule automatic|sequential|parallel]
//        [--step-products blas|packed] [--lstm-split units|rows] [--precision fp32|bf16] [--clock wall|cpu]
// With --precision bf16 the framework column reads "jikji-bf16".
import Foundation
import JikjiRecurrent

struct Options {
    var threads = 1
    var seconds = 0.3
    var filter = ""
    var schedule = DirectionSchedule.automatic
    var batch = 64, steps = 32, inputSize = 128

    init(arguments: [String]) throws {
        var i = 1
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchError("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--threads": threads = Int(try value()) ?? 1
            case "--seconds": seconds = Double(try value()) ?? 0.3
            case "--filter": filter = try value()
            case "--step-products":
                // "blas" or "packed": which per-step product the layers use (A/B measurements).
                RecurrentKernels.packedStepProducts = try value() == "packed"
                    && RecurrentKernels.isPackedStepProductAvailable
            case "--precision":
                // fp32 or bf16: the matrix products' input format (MatrixProducts.precision).
                guard let precision = MatrixPrecision(rawValue: try value()) else {
                    throw BenchError("--precision takes fp32 or bf16")
                }
                MatrixProducts.precision = precision
            case "--clock":
                // "wall" (default) or "cpu": the process's CPU time per call, the figure least
                // disturbed on a loaded machine at one thread (at two it sums both threads).
                switch try value() {
                case "cpu": clockID = CLOCK_PROCESS_CPUTIME_ID
                case "wall": clockID = CLOCK_MONOTONIC
                default: throw BenchError("--clock takes wall or cpu")
                }
            case "--lstm-split":
                // "units" or "rows": how a fused LSTM time loop splits between threads (A/B measurements).
                RecurrentKernels.splitLSTMStepsByUnits = try value() != "rows"
            case "--schedule":
                switch try value() {
                case "sequential": schedule = .sequential
                case "parallel": schedule = .parallel
                default: schedule = .automatic
                }
            default: throw BenchError("unknown argument \(arguments[i]); use --threads N --seconds S --filter TEXT --schedule automatic|sequential|parallel --step-products blas|packed --lstm-split units|rows --precision fp32|bf16 --clock wall|cpu")
            }
            i += 1
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The packed lengths shared with the PyTorch script: spread over 1...T, mean about T/2.
func packedLengths(batch: Int, steps: Int) -> [Int] {
    (0..<batch).map { 1 + ($0 * 37) % steps }
}

/// The clock of the measured calls (`--clock`); the measuring window itself is always wall time.
nonisolated(unsafe) var clockID = CLOCK_MONOTONIC

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The measured clock's reading (wall or process CPU time).
func measuredNow() -> Double {
    var t = timespec()
    clock_gettime(clockID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The fastest of repeated calls of `body` (after warm-up) over at least `minimum` seconds:
/// the machine is shared, and the minimum is the figure least disturbed by other processes.
func measure(minimum: Double, _ body: () throws -> Void) rethrows -> Double {
    // Warm up for a tenth of a second: the first calls fill the layer's buffer pool and
    // wake OpenBLAS's threads.
    let warmStart = now()
    var warmCalls = 0
    repeat { try body(); warmCalls += 1 } while now() - warmStart < 0.1
    var calls = 0
    var best = Double.infinity
    let start = now()
    repeat {
        let t0 = measuredNow()
        try body()
        best = min(best, measuredNow() - t0)
        calls += 1
    } while now() - start < minimum || calls < 5
    FileHandle.standardError.write("calls: \(calls + warmCalls)\n".data(using: .utf8)!)
    return best
}

do {
    let options = try Options(arguments: CommandLine.arguments)
    BLAS.setThreads(options.threads)
    FileHandle.standardError.write(("backend: \(BLAS.backendDescription); per-step products: "
        + (RecurrentKernels.packedStepProducts ? "packed AVX-512 kernel" : "BLAS") + "; \(MatrixProducts.description)\n").data(using: .utf8)!)
    let framework = MatrixProducts.effectivePrecision == .bf16 ? "jikji-bf16" : "jikji"
    var generator = SeededGenerator(seed: 42)
    // The practical peak to read the layers' GFLOP/s against: one large sgemm.
    if options.filter.isEmpty || options.filter == "peak" {
        let n = 1536
        let a = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let seconds = measure(minimum: options.seconds) {
            a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pa.baseAddress!, ldb: n,
                              c: pc.baseAddress!, ldc: n)
                }
            }
        }
        print("peak\tsgemm \(n)x\(n)x\(n)\t\(options.threads)\t" + String(format: "%.1f", 2 * pow(Double(n), 3) / seconds / 1e9))
    }
    let B = options.batch, T = options.steps, E = options.inputSize
    var input = Tensor(shape: [B, T, E])
    for i in 0..<input.count { input.storage[i] = generator.nextFloat(in: -1, 1) }
    for cell in [RecurrentCell.rnnTanh, .lstm, .gru] {
        for hidden in [128, 256, 512] {
            for bidirectional in [false, true] {
                let D = bidirectional ? 2 : 1
                let layerName = "\(cell.rawValue) \(hidden) \(D) "
                if !options.filter.isEmpty
                    && !(layerName.hasPrefix(options.filter) || options.filter.hasPrefix(layerName)
                         || !options.filter.contains(" ")) {
                    continue // no configuration of this layer is selected: skip its initialisation
                }
                let layer = try RecurrentLayer(cell: cell, inputSize: E, hiddenSize: hidden,
                                               bidirectional: bidirectional, generator: &generator)
                // The layer's default schedule: with two threads a bidirectional layer runs its
                // directions side by side, a unidirectional one gives BLAS both threads.
                BLAS.setThreads(options.threads)
                layer.directionSchedule = options.schedule
                var dy = Tensor(shape: [B, T, D * hidden])
                for i in 0..<dy.count { dy.storage[i] = generator.nextFloat(in: -1, 1) }
                for mode in ["forward", "forward+backward"] {
                    for packed in [false, true] {
                        let name = "\(cell.rawValue == "rnn" ? "rnn" : cell.rawValue)\t\(hidden)\t\(D)\t\(mode)\t\(packed ? "packed" : "full")"
                        if !options.filter.isEmpty && !name.replacingOccurrences(of: "\t", with: " ").contains(options.filter) {
                            continue
                        }
                        let lengths = packed ? packedLengths(batch: B, steps: T) : nil
                        let tokens = (lengths ?? [Int](repeating: T, count: B)).reduce(0, +)
                        let seconds = try measure(minimum: options.seconds) {
                            // Forward only is inference (PyTorch runs it without autograd).
                            let r = try layer.forward(input, lengths: lengths, recordTape: mode != "forward")
                            if mode != "forward" {
                                _ = try layer.backward(r.tape, outputGradient: dy)
                            }
                        }
                        let G = cell.gateCount
                        let flopsPerToken = Double(2 * G * hidden * (E + hidden) * D) * (mode == "forward" ? 1 : 3)
                        let tokensPerSecond = Double(tokens) / seconds
                        print("\(framework)\t\(name)\t\(options.threads)\t\(String(format: "%.0f", tokensPerSecond))\t"
                              + String(format: "%.1f", tokensPerSecond * flopsPerToken / 1e9))
                        fflush(nil) // every output stream: stdout (a C global Swift 6 cannot name safely)
                    }
                }
            }
        }
    }
} catch {
    FileHandle.standardError.write("jikji-bench-recurrent: \(error)\n".data(using: .utf8)!)
    exit(1)
}
