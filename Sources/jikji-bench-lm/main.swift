// Microbenchmark of a language model's output layer and training step (bench/lm-output.sh): the
// full softmax over 30 000 ids against the adaptive softmax, at the reviews-lm job's sizes (64 x
// 64 tokens, LSTM 512). Prints one line per case: "jikji<TAB>case<TAB>best milliseconds".
// Targets follow a Zipf law (exponent 1) over frequency ranks, as word frequencies do. Not part of the user CLI.
import Dispatch
import Foundation
import JikjiModels
import JikjiRecurrent

var threads = 2
var seconds = 1.0
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--threads": threads = Int(arguments.popFirst() ?? "") ?? threads
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    default:
        FileHandle.standardError.write(Data("usage: jikji-bench-lm [--threads N] [--seconds S]\n".utf8))
        exit(2)
    }
}
BLAS.setThreads(threads)
BLAS.shortenIdleSpin()
FileHandle.standardError.write(Data("backend: \(BLAS.backendDescription)\n".utf8))

/// Runs `body` for about `seconds` (at least 3 times) and prints the fastest run.
@MainActor
func measure(_ name: String, _ body: () throws -> Void) rethrows {
    try body()
    var best = Double.infinity, runs = 0
    let start = DispatchTime.now().uptimeNanoseconds
    while runs < 3 || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        runs += 1
    }
    print("jikji\t\(name)\t\(best)")
}

let (batch, window, hidden, vocabulary) = (64, 64, 512, 30_000)
let cutoffs = [2000, 10000]
var generator = SeededGenerator(seed: 1)
// Zipf(1) ranks by inverse transform over the cumulative weights 1/r; rank r is id r here.
var cumulative = [Double](repeating: 0, count: vocabulary)
var total = 0.0
for r in 0..<vocabulary { total += 1 / Double(r + 1); cumulative[r] = total }
@MainActor
func zipfRank() -> Int32 {
    let u = Double(generator.nextUnitFloat()) * total
    var lo = 0, hi = vocabulary - 1
    while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
    return Int32(lo)
}
let N = batch * window
let targets = (0..<N).map { _ in max(1, zipfRank()) }   // id 0 is [PAD]
let inputs = (0..<N).map { _ in max(1, zipfRank()) }
var hiddenRows = Tensor(shape: [N, hidden])
for i in 0..<hiddenRows.count { hiddenRows.storage[i] = generator.nextNormal() * 0.5 }

let full = VocabularyOutput(weight: Parameter(Linear(inputSize: hidden, outputSize: vocabulary, generator: &generator).weight.value),
                            bias: Parameter(Tensor(shape: [vocabulary])))
try measure("output full 4096x512 V30000 fwd+bwd") {
    _ = try full.crossEntropy(hidden: hiddenRows, targets: targets, accumulateGradients: true)
}
let adaptive = try AdaptiveLogSoftmax(inputSize: hidden, classCount: vocabulary, cutoffs: cutoffs, generator: &generator)
try measure("output adaptive 4096x512 V30000 [2000,10000] fwd+bwd") {
    _ = try adaptive.loss(input: hiddenRows, targets: targets, accumulateGradients: true)
}

// Whole training steps of the reviews-lm model (embedding 512, LSTM 512, dropout 0.2): tied full
// softmax (the job as shipped) against the untied adaptive output. Optimizer excluded.
let fullModel = try LanguageModel(.init(vocabularySize: vocabulary, embeddingSize: hidden, cell: .lstm, hiddenSize: hidden,
                                        dropout: 0.2, tieWeights: true, initRange: 0.1), generator: &generator)
let adaptiveModel = try LanguageModel(.init(vocabularySize: vocabulary, embeddingSize: hidden, cell: .lstm, hiddenSize: hidden,
                                            dropout: 0.2, initRange: 0.1, adaptiveOutput: .init(cutoffs: cutoffs)),
                                      generator: &generator)
for (name, model) in [("full tied", fullModel), ("adaptive", adaptiveModel)] {
    try measure("lm step \(name) 64x64 fwd+bwd") {
        var g = SeededGenerator(seed: 3)
        _ = try model.step(ids: inputs, targets: targets, batch: batch, steps: window, training: true, generator: &g)
        model.zeroGradients()
    }
}
