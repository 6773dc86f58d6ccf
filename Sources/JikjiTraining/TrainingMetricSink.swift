import Foundation

/// Somewhere a ``Trainer`` streams every value it measures as it measures it: what the
/// ``TrainingRecorder`` keeps, plus values that depend on the clock (training tokens per second),
/// which the recorder does not keep because a resumed run cannot reproduce them.
/// ``TensorBoardWriter`` and ``MetricsLogWriter`` are the two Jikji provides.
public protocol TrainingMetricSink: AnyObject {
    /// Receives values measured at `wallTime` (all of the same step).
    func receive(_ metrics: [TrainingMetric], wallTime: Date) throws
}
