// Microbenchmark of attention, losses, embedding, linear and optimizers (bench/nn.sh).
// Prints one line per case: "jikji<TAB>case<TAB>best milliseconds". Not part of the user CLI.
import Dispatch
import Foundation
import JikjiRecurrent

var threads = 1
var seconds = 0.3
var filter = ""
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--threads": threads = Int(arguments.popFirst() ?? "") ?? threads
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    case "--filter": filter = arguments.popFirst() ?? ""
    default: fatalError("usage: jikji-bench-nn [--threads N] [--seconds S] [--filter TEXT]")
    }
}
BLAS.setThreads(threads)
// Which kernel ran belongs with the figures (standard error: standard output is the table's input).
FileHandle.standardError.write(Data("backend: \(BLAS.backendDescription)\n".utf8))

/// Runs `body` repeatedly for about `seconds` (at least 3 times) and prints the fastest run.
/// On the main actor, as the top-level settings it reads.
@MainActor
func measure(_ name: String, _ body: () throws -> Void) rethrows {
    guard filter.isEmpty || name.contains(filter) else { return }
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

var generator = SeededGenerator(seed: 1)
@MainActor
func random(_ shape: [Int]) -> Tensor {
    var t = Tensor(shape: shape)
    for i in 0..<t.count { t.storage[i] = generator.nextNormal() }
    return t
}

// Sizes shared with bench/nn_torch.py.
let (batch, steps, hidden) = (64, 32, 256)
let lengths = (0..<batch).map { 8 + $0 % 25 }
let encoder = random([batch, steps, hidden]), decoder = random([batch, steps, hidden])
let upstream = random([batch, steps, hidden])
for score in LuongAttention.Score.allCases {
    let attention = try LuongAttention(score: score, decoderSize: hidden, encoderSize: hidden, generator: &generator)
    let state = LuongAttentionState()
    try measure("attention \(score) fwd+bwd") {
        _ = try attention.forward(encoderOutputs: encoder, sourceLengths: lengths, decoderStates: decoder, state: state)
        _ = attention.backward(attentionalGradient: upstream, state: state)
        attention.zeroGradients()
    }
}

let (rows, classes) = (2048, 8000)
let logits = random([rows, classes])
let targets = (0..<rows).map { $0 % 10 == 0 ? -100 : ($0 * 7919) % classes }
try measure("cross-entropy \(rows)x\(classes) ls=0.1 fwd+bwd") {
    _ = try Loss.crossEntropy(logits: logits, targets: targets, labelSmoothing: 0.1)
}
let bceLogits = random([1 << 20])
var bceLabels = Tensor(shape: [1 << 20])
for i in 0..<bceLabels.count { bceLabels.storage[i] = Float(i % 2) }
try measure("bce-with-logits 1M fwd+bwd") {
    _ = try Loss.binaryCrossEntropyWithLogits(logits: bceLogits, labels: bceLabels)
}

let embedding = Embedding(vocabularySize: 30_000, dimension: hidden, paddingIndex: 0, generator: &generator)
let ids = (0..<(batch * steps)).map { ($0 * 7919) % 30_000 }
let embeddingGradient = random([batch, steps, hidden])
try measure("embedding 30000x256 fwd+bwd") {
    _ = try embedding.forward(ids: ids, shape: [batch, steps])
    embedding.backward(ids: ids, outputGradient: embeddingGradient)
}

let linear = Linear(inputSize: 2 * hidden, outputSize: hidden, generator: &generator)
let linearInput = random([batch * steps, 2 * hidden]), linearGradient = random([batch * steps, hidden])
measure("linear 2048x512->256 fwd+bwd") {
    _ = linear.forward(linearInput)
    linear.backward(input: linearInput, outputGradient: linearGradient)
}

let parameter = Parameter(random([10_000_000]))
parameter.gradient = random([10_000_000])
var adamW = Adam.adamW(parameters: [("p", parameter)])
measure("adamw step 10M") { adamW.step() }
var sgd = SGD(parameters: [("p", parameter)], learningRate: 0.01, momentum: 0.9)
measure("sgd momentum step 10M") { sgd.step() }
measure("clip-grad-norm 10M") { GradientClipping.clipGlobalNorm([parameter], maxNorm: 1e9) }
