#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bookkeeping for lazy row updates: the step each row of a parameter was last brought up to
/// date, and a window of recent per-step coefficients from which a row's missed updates are
/// summed when it is touched again.
///
/// With a zero gradient, SGD with momentum μ moves a row by `lr_j · μ^(j-s) · b_s` at step `j`
/// after its last update at step `s`, and Adam by `c_j · r^(j-s) · m_s / (√v_s + ε̃)` with
/// `c_j = lr_j·√(1-β₂ʲ)/(1-β₁ʲ)`, `r = β₁/√β₂`, where the exact `ε̃ = ε·√(1-β₂ʲ)·β₂^(-(j-s)/2)` is
/// replaced by `ε·√(1-β₂ᵗ)` (a relative difference of order ε/√v, nil for rows that ever
/// received gradient of ordinary size). Both are a geometric sum times the row's own state, so
/// catching up costs one pass over the row. Terms below 1e-10 of the first are dropped, which
/// bounds the window.
public struct LazyRowClock {
    /// The geometric ratio of a missed step's update to the previous one (μ, or β₁/√β₂).
    public let ratio: Double
    /// How many past coefficients are kept: beyond this the terms are negligible.
    public let window: Int
    /// Recent coefficients by `step % window` (Float, so a restored checkpoint continues bit for bit).
    private var coefficients: [Float]
    /// `rows[parameterIndex]`: for each row, the step it is up to date with.
    var rows: [Int: [Int32]] = [:]

    /// A clock for updates whose missed terms shrink by `ratio` per step (`0 ≤ ratio < 1`).
    public init(ratio: Double) {
        self.ratio = ratio
        let negligible = ratio > 0 ? Int((log(1e-10) / log(ratio)).rounded(.up)) : 1
        window = max(1, min(negligible, 1 << 16))
        coefficients = Array(repeating: 0, count: window)
    }

    /// Records step `step`'s coefficient (call once per step, in order).
    mutating func record(step: Int, coefficient: Double) {
        coefficients[step % window] = Float(coefficient)
    }

    /// `Σ_{j=from+1}^{to} coefficient_j · ratio^(j-from)`, the missed steps' combined factor.
    func missedSum(from: Int, to: Int) -> Double {
        guard to > from, ratio > 0 else { return 0 }
        var sum = 0.0, power = ratio
        for j in (from + 1)...min(to, from + window) {
            sum += Double(coefficients[j % window]) * power
            power *= ratio
        }
        return sum
    }

    /// ``missedSum(from:to:)`` with each step `j`'s coefficient multiplied by `adjust(j)`.
    func missedSum(from: Int, to: Int, adjust: (Int) -> Double) -> Double {
        guard to > from, ratio > 0 else { return 0 }
        var sum = 0.0, power = ratio
        for j in (from + 1)...min(to, from + window) {
            sum += Double(coefficients[j % window]) * adjust(j) * power
            power *= ratio
        }
        return sum
    }

    /// The clocks and coefficients as tensors, named after `names[index]`, when any row is
    /// tracked: `lazy.coefficients` and `<name>.lazy_row_step`.
    func stateTensors(names: [String]) -> [String: Tensor] {
        guard !rows.isEmpty else { return [:] }
        var state = ["lazy.coefficients": Tensor(shape: [window], values: coefficients)]
        for (index, clocks) in rows { state[names[index] + ".lazy_row_step"] = Tensor(shape: [clocks.count], values: clocks.map(Float.init)) }
        return state
    }

    /// Restores ``stateTensors(names:)`` output; no lazy tensors means every row is current.
    mutating func loadState(_ tensors: [String: Tensor], names: [String]) throws {
        rows = [:]
        guard let saved = tensors["lazy.coefficients"] else { return }
        guard saved.count == window else {
            throw CheckpointError("optimizer state tensor 'lazy.coefficients' has \(saved.count) values, expected \(window)")
        }
        coefficients = saved.storage
        for (index, name) in names.enumerated() {
            if let clocks = tensors[name + ".lazy_row_step"] { rows[index] = clocks.storage.map { Int32($0) } }
        }
    }

    /// Removes and returns the row clocks of parameter `index` (`rowCount` rows; all up to date
    /// with step `upTo` when the parameter is new here), so the caller mutates them without a
    /// copy and puts them back.
    mutating func takeClocks(of index: Int, rowCount: Int, upTo step: Int) -> [Int32] {
        rows.removeValue(forKey: index) ?? [Int32](repeating: Int32(step), count: rowCount)
    }
}
