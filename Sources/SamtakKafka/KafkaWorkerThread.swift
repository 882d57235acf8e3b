import Foundation

/// A dedicated OS thread that runs a handle's blocking librdkafka calls, one job at a time, so that
/// they never occupy Swift's cooperative thread pool. (Its name, at most 15 characters on Linux,
/// shows in `top -H` and debuggers.)
///
/// Between jobs the thread runs the optional `idle` closure (a producer polls its handle there, with
/// a short timeout); `wake` interrupts a running `idle` when a job arrives (`rd_kafka_queue_yield`).
/// After ``stop()`` the jobs already queued still run, then the thread exits and drops its closures.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
final class KafkaWorkerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopRequested = false
    private var idle: (@Sendable () -> Void)?
    private var wake: (@Sendable () -> Void)?

    init(name: String, idle: (@Sendable () -> Void)? = nil, wake: (@Sendable () -> Void)? = nil) {
        self.idle = idle
        self.wake = wake
        let thread = Thread { [self] in self.main() }
        thread.name = name
        thread.start()
    }

    /// Queues `job`; returns false (and drops it) if the worker was stopped.
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        guard !stopRequested else {
            condition.unlock()
            return false
        }
        jobs.append(job)
        let wake = self.wake
        condition.signal()
        condition.unlock()
        wake?()
        return true
    }

    /// Runs `body` on the worker thread and returns its result; `nil` if the worker was stopped.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let accepted = submit { continuation.resume(returning: body()) }
            if !accepted { continuation.resume(returning: nil) }
        }
    }

    /// No further jobs are accepted; the thread exits once the queued ones have run. Non-blocking.
    func stop() {
        condition.lock()
        stopRequested = true
        condition.signal()
        condition.unlock()
    }

    private func main() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopRequested && idle == nil {
                condition.wait()
            }
            if !jobs.isEmpty {
                let job = jobs.removeFirst()
                condition.unlock()
                job()
                continue
            }
            if stopRequested {
                // Drop the closures here, on this thread: they may hold the last reference to a
                // client handle, whose deinit then destroys it here rather than on a caller's thread.
                let idle = self.idle
                let wake = self.wake
                self.idle = nil
                self.wake = nil
                condition.unlock()
                _ = (idle, wake)
                return
            }
            let idle = self.idle
            condition.unlock()
            idle?()
        }
    }
}
