import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listens on PostgreSQL channels (`LISTEN`) on a connection of its own, served by a
/// dedicated thread that sleeps in `poll(2)` until the server sends something.
///
/// Used to wake the outbox relay when a transaction commits an event, instead of polling
/// in a tight loop. Wake-ups coalesce: the user re-reads its table after waking, so one
/// pending wake-up stands for any number of notifications. When the connection drops it
/// reconnects with backoff and wakes the user once connected again, because
/// notifications sent meanwhile are lost.
public final class PostgresListener: Sendable {
    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger
    private let state = Mutex(ListenerState())

    private struct ListenerState {
        var stopped = false
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
        var nextWaiterID: UInt64 = 0
        var notificationCount = 0
    }

    /// - Parameter channels: channel names chosen by code (they are identifiers, not data).
    public init(configuration: PostgresConfiguration, channels: [String], logger: Logger) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "samtak-pg-listen"
        thread.start()
    }

    /// Stops the thread (within ~250 ms) and releases a waiter.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake()
    }

    /// Notifications received since start.
    public var notificationCount: Int { state.withLock { $0.notificationCount } }

    /// Releases the current or next waiter.
    public func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.pending = true
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Waits for a notification (true) or until `timeout` passes (false). One waiter at a time.
    public func wait(timeout: Duration) async -> Bool {
        let id: UInt64? = state.withLock { state in
            if state.pending || state.stopped {
                state.pending = false
                return nil
            }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        guard let id else { return true }
        let timer = Task {
            try await Task.sleep(for: timeout)
            let waiter = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: false)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending || state.stopped {
                    state.pending = false
                    return true
                }
                state.waiter = (id, continuation)
                return false
            }
            if resumeNow { continuation.resume(returning: true) }
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        var backoff = 0.2
        while !isStopped {
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection(configuration: configuration)
                for channel in channels {
                    try connection.run(script: "LISTEN \"\(channel.replacingOccurrences(of: "\"", with: ""))\"")
                }
            } catch {
                logger.warning("listener cannot connect; retrying", metadata: [
                    "error": "\(error)", "retry_in_s": "\(backoff)",
                ])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            backoff = 0.2
            wake()
            serve(connection)
        }
    }

    /// Waits on the socket until the connection breaks or the listener stops.
    private func serve(_ connection: PostgresConnection) {
        while !isStopped {
            var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if ready == 0 { continue }
            do {
                let received = try connection.drainNotifications().count
                if received > 0 {
                    state.withLock { $0.notificationCount += received }
                    wake()
                }
            } catch {
                logger.warning("listener connection lost; reconnecting", metadata: ["error": "\(error)"])
                return
            }
        }
    }
}
