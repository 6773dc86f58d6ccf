import CJikjiKernels
import Foundation
import XCTest

/// `jk_spin_barrier_wait`, which the fused LSTM time loop calls after every step when threads
/// split the hidden units: no thread may leave a phase before every thread has arrived, also
/// when a thread is late long enough for the others to stop spinning and sleep.
final class SpinBarrierTests: XCTestCase {
    /// Runs `threads` threads through `phases` phases. In each phase every thread records the
    /// phase in its slot, waits, checks that every slot holds the phase (nobody is behind, and
    /// nobody can be ahead before the second wait), and waits again. `lateEvery`: thread 0
    /// sleeps 2 ms before arriving in every such phase, so the others reach the sleeping path.
    /// Returns the number of wrong slots seen.
    private func run(threads: Int, phases: Int, lateEvery: Int) -> Int {
        let barrier = UnsafeMutablePointer<jk_spin_barrier>.allocate(capacity: 1)
        barrier.initialize(to: jk_spin_barrier(arrived: 0, phase: 0, sleepers: 0))
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        slots.initialize(repeating: -1, count: threads)
        let wrong = UnsafeMutablePointer<Int>.allocate(capacity: threads)
        wrong.initialize(repeating: 0, count: threads)
        defer { barrier.deallocate(); slots.deallocate(); wrong.deallocate() }
        let done = DispatchGroup()
        // Shared by the threads on purpose: the barrier under test orders every write to `slots`
        // before the reads of the phase, and each thread writes only its own `wrong[t]`.
        nonisolated(unsafe) let (sharedBarrier, sharedSlots, sharedWrong) = (barrier, slots, wrong)
        for t in 0..<threads {
            done.enter()
            let thread = Thread {
                let (barrier, slots, wrong) = (sharedBarrier, sharedSlots, sharedWrong)
                for p in 0..<phases {
                    if t == 0 && lateEvery > 0 && p % lateEvery == 0 { usleep(2_000) }
                    slots[t] = p
                    jk_spin_barrier_wait(barrier, Int32(threads))
                    for other in 0..<threads where slots[other] != p { wrong[t] += 1 }
                    jk_spin_barrier_wait(barrier, Int32(threads))
                }
                done.leave()
            }
            thread.start()
        }
        done.wait()
        var total = 0
        for t in 0..<threads { total += wrong[t] }
        XCTAssertEqual(barrier.pointee.arrived, 0)
        XCTAssertEqual(barrier.pointee.phase, Int32(2 * phases))
        return total
    }

    func testTwoThreadsNeverLeaveAPhaseEarly() {
        XCTAssertEqual(run(threads: 2, phases: 20_000, lateEvery: 0), 0)
    }

    func testALateThreadIsWaitedForBySleepingThreads() {
        // 2 ms is far beyond the spinning budget, so the early threads sleep on the futex.
        XCTAssertEqual(run(threads: 2, phases: 400, lateEvery: 10), 0)
        XCTAssertEqual(run(threads: 3, phases: 400, lateEvery: 10), 0)
    }

    func testMoreThreadsThanCoresStillMeet() {
        // More threads than this machine's cores: threads lose their core mid-phase.
        let threads = ProcessInfo.processInfo.activeProcessorCount + 2
        XCTAssertEqual(run(threads: threads, phases: 2_000, lateEvery: 0), 0)
    }
}
