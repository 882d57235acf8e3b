import Logging
import Metrics
import NIOPosix
import Synchronization
import Tracing

/// A pool of libpq connections. Each lease gives one connection to one task; the work of
/// the lease (a synchronous closure of libpq calls) runs on a thread of the pool's own
/// thread pool, so blocking network I/O never occupies Swift's cooperative threads.
///
/// ```swift
/// let id = try await pool.withTransaction { connection in
///     try connection.execute("INSERT INTO cases ...")
///     try outbox.append(event, on: connection)     // same transaction
/// }
/// ```
/// Connections are opened on demand up to `maxConnections`, checked for liveness on every
/// lease (a server restart is noticed without a round trip), and discarded when broken.
///
/// Metrics: `samtak_db_pool_wait_duration_seconds` (time from asking for a connection to
/// holding one) and `samtak_db_pool_timeouts_total`. Tracing: inside a trace (an HTTP
/// request, an event being handled) each transaction is a `db.transaction` span, and its
/// body runs with that span as the current context, so an outbox row it writes carries it.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    public let maxConnections: Int
    let acquireTimeout: Duration
    let logger: Logger
    let threadPool: NIOThreadPool
    private let state: Mutex<State>
    private let waitTimer = Timer(label: "samtak_db_pool_wait_duration_seconds", preferredDisplayUnit: .seconds)
    private let timeouts = Counter(label: "samtak_db_pool_timeouts_total")

    private struct State {
        var idle: [LeasedConnection] = []
        var permits: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
        var open = 0
        var abandoned: [UInt64: any Error] = [:]
        var commitObservers: [UInt64: @Sendable () -> Void] = [:]
        var nextObserverID: UInt64 = 0
    }

    public init(configuration: PostgresConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(10), logger: Logger) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: maxConnections)
        self.threadPool.start()
        self.state = Mutex(State(permits: maxConnections))
    }

    /// Counts for health output and tests.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    /// Registers `observer`, called (on the releasing thread; it must be quick) whenever a
    /// connection whose ``PostgresConnection/signalsCommitObservers`` is set comes back to
    /// the pool outside a transaction, i.e. after its work committed (or, harmlessly, rolled
    /// back). The outbox relay of the process uses it to wake at once for rows written here.
    /// Returns a token for ``removeCommitObserver(_:)``.
    public func addCommitObserver(_ observer: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            state.nextObserverID += 1
            state.commitObservers[state.nextObserverID] = observer
            return state.nextObserverID
        }
    }

    public func removeCommitObserver(_ token: UInt64) {
        _ = state.withLock { $0.commitObservers.removeValue(forKey: token) }
    }

    /// Leases a connection for `body`, which runs on a pool thread.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let lease = try await acquire()
        do {
            let result = try await threadPool.runIfActive { try body(lease.connection) }
            release(lease)
            return result
        } catch {
            release(lease)
            throw error
        }
    }

    /// Leases a connection for a sequence of steps with awaits in between (e.g. a
    /// transaction that waits for a broker between two statements). Each `lease.run`
    /// executes on a pool thread. A lease returned inside an open transaction is
    /// discarded (the server rolls it back), so an exception can never leak a transaction.
    public func withLease<Result: Sendable>(
        _ body: (PostgresLease) async throws -> Result
    ) async throws -> Result {
        let leased = try await acquire()
        let lease = PostgresLease(leased: leased, threadPool: threadPool)
        do {
            let result = try await body(lease)
            release(leased)
            return result
        } catch {
            release(leased)
            throw error
        }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    /// If the connection turns out to be dead before the transaction began (a server
    /// restart), the lease is retried once on a new connection: nothing had been done yet.
    public func withTransaction<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        // Only within a trace: a periodic worker's rounds would otherwise each start a trace of their own.
        guard let parent = InstrumentationContext.current else {
            return try await transaction(isolation: isolation, context: nil, body)
        }
        let span = startSpan("db.transaction", context: parent, ofKind: .client)
        span.attributes["db.system"] = "postgresql"
        span.attributes["db.namespace"] = configuration.database
        defer { span.end() }
        do {
            return try await transaction(isolation: isolation, context: span.context, body)
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    private func transaction<Result: Sendable>(
        isolation: IsolationLevel, context: InstrumentationContext?,
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            let lease = try await acquire()
            let outcome: TransactionOutcome<Result>
            do {
                outcome = try await threadPool.runIfActive { () -> TransactionOutcome<Result> in
                    let connection = lease.connection
                    // BEGIN goes with the first statement, deferred writes with COMMIT
                    // (PostgresConnection.beginWithFirstStatement): two round trips fewer.
                    connection.beginWithFirstStatement(isolation.beginStatement)
                    do {
                        // The task's context does not reach this pool thread: bind the span here.
                        let value = try InstrumentationContext.$current.withValue(context) { try body(connection) }
                        try connection.commit()
                        return .committed(value)
                    } catch {
                        connection.rollback()
                        // The server was gone before the transaction began: nothing ran.
                        if connection.failedBeforeBegin {
                            return .beginFailed(error as? PostgresError ?? PostgresError(kind: .connection, context: "BEGIN"))
                        }
                        throw error
                    }
                }
            } catch {
                release(lease)
                throw error
            }
            release(lease)
            switch outcome {
            case .committed(let value):
                return value
            case .beginFailed(let error):
                if attempt >= 2 { throw error }
                logger.debug("connection lost before BEGIN; retrying on a new connection")
            }
        }
    }

    public enum IsolationLevel: Sendable {
        case readCommitted, repeatableRead, serializable
        var beginStatement: String {
            switch self {
            case .readCommitted: "BEGIN"
            case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
            case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            }
        }
    }

    private enum TransactionOutcome<Value: Sendable>: Sendable {
        case committed(Value)
        case beginFailed(PostgresError)
    }

    /// Closes idle connections and refuses new leases; leased ones close on release.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(kind: .poolClosed, context: "pool closed"))
        }
        _ = idle  // released here: deinit runs PQfinish
        try? await threadPool.shutdownGracefully()
    }

    // MARK: - Leases

    private func acquire() async throws -> LeasedConnection {
        let asked = ContinuousClock.now
        do {
            try await acquirePermit()
        } catch let error as PostgresError where error.kind == .poolTimeout {
            timeouts.increment()
            throw error
        }
        waitTimer.record(duration: ContinuousClock.now - asked)
        // Reuse a live idle connection if there is one.
        while let candidate = state.withLock({ $0.idle.popLast() }) {
            let alive = (try? await threadPool.runIfActive { candidate.connection.isAliveWithoutRoundTrip() }) ?? false
            if alive { return candidate }
            state.withLock { $0.open -= 1 }
            logger.debug("discarded a dead idle connection")
        }
        do {
            let configuration = self.configuration
            let connection = try await threadPool.runIfActive {
                LeasedConnection(connection: try PostgresConnection(configuration: configuration))
            }
            state.withLock { $0.open += 1 }
            return connection
        } catch {
            releasePermit()
            throw error
        }
    }

    private func release(_ lease: LeasedConnection) {
        let keep = !lease.connection.isBroken && lease.connection.transactionStatus == PQTRANS_IDLE_VALUE
        // A change that committed: observers learn of it. (Left in a transaction, the
        // connection is discarded and the server rolls it back: nothing to tell.)
        let signal = lease.connection.signalsCommitObservers && keep
        lease.connection.signalsCommitObservers = false
        // Reads ahead that nobody asked for stay with the task that sent them, never the next.
        lease.connection.dropReadAhead()
        let observers = state.withLock { state -> [@Sendable () -> Void] in
            if keep && !state.isClosed {
                state.idle.append(lease)
            } else {
                state.open -= 1
            }
            return signal ? Array(state.commitObservers.values) : []
        }
        releasePermit()
        for observer in observers { observer() }
    }

    private func acquirePermit() async throws {
        let id: UInt64? = try state.withLock { state throws -> UInt64? in
            if state.isClosed { throw PostgresError(kind: .poolClosed, context: "pool closed") }
            if state.permits > 0 {
                state.permits -= 1
                return nil
            }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        guard let id else { return }
        let timeout = acquireTimeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.cancelWaiter(id, error: PostgresError(kind: .poolTimeout, context: "no connection free within \(timeout)"))
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let failure = self.state.withLock { state -> (any Error)? in
                    if let error = state.abandoned.removeValue(forKey: id) { return error }
                    if state.isClosed { return PostgresError(kind: .poolClosed, context: "pool closed") }
                    if state.permits > 0 {
                        // A permit was released between the two locks.
                        state.permits -= 1
                        continuation.resume()
                        return nil
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let failure { continuation.resume(throwing: failure) }
            }
        } onCancel: {
            self.cancelWaiter(id, error: CancellationError())
        }
    }

    /// Fails a waiter (timeout, cancellation). If it has not registered yet, it will fail
    /// as soon as it does.
    private func cancelWaiter(_ id: UInt64, error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                state.abandoned[id] = error
                return nil
            }
            return state.waiters.remove(at: index).continuation
        }
        continuation?.resume(throwing: error)
    }

    private func releasePermit() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.permits += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}

/// A connection held across awaits; see ``PostgresPool/withLease(_:)``.
public struct PostgresLease: Sendable {
    let leased: LeasedConnection
    let threadPool: NIOThreadPool

    /// Runs blocking libpq work on a pool thread.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> Result) async throws -> Result {
        let leased = self.leased
        return try await threadPool.runIfActive { try body(leased.connection) }
    }
}

/// A connection passed between the pool, the waiting task and a pool thread.
/// `@unchecked Sendable`: the pool guarantees that exactly one holder uses it at a time
/// (idle list under the lock, or one lease), which is what libpq requires.
struct LeasedConnection: @unchecked Sendable {
    let connection: PostgresConnection
}
