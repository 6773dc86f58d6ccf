extension LearningRateSchedule {
    /// The shape of a schedule, as configurations spell it; its numbers come separately.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// ``LearningRateSchedule/constant(_:)``.
        case constant
        /// ``LearningRateSchedule/stepDecay(initial:every:factor:)``.
        case step
        /// ``LearningRateSchedule/linearWarmupDecay(peak:warmupSteps:totalSteps:)``.
        case warmupLinear = "warmup_linear"
        /// ``LearningRateSchedule/slantedTriangular(peak:totalSteps:cutFraction:ratio:)``.
        case slantedTriangular = "slanted_triangular"
        /// ``LearningRateSchedule/oneCycle(peak:totalSteps:warmupFraction:divFactor:finalDivFactor:)``.
        case oneCycle = "one_cycle"
    }
}
