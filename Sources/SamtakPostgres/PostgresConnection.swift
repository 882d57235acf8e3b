import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: a ``PostgresPool`` leases it to one task at a
/// time and runs every call on a thread of its own thread pool, never on Swift's
/// cooperative pool (libpq calls block).
public final class PostgresConnection {
    let handle: OpaquePointer
    public let configuration: PostgresConfiguration
    /// Prepared statements of this session: statement text → name.
    private var preparedStatements: [String: String] = [:]
    /// Set when the server or the network failed us; the pool then discards the connection.
    public private(set) var isBroken = false
    /// Set by a writer whose change others in this process wait for (the outbox): when the
    /// pool takes the connection back outside a transaction, it tells its commit observers
    /// (see ``PostgresPool/addCommitObserver(_:)``) and clears the flag.
    public var signalsCommitObservers = false
    let createdAt = ContinuousClock.now

    /// Connects (blocking).
    public init(configuration: PostgresConfiguration) throws(PostgresError) {
        self.configuration = configuration
        let pairs = configuration.keywordsAndValues
        let keywords = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection: OpaquePointer? = keywords.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                k.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: k.count) { kp in
                    v.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: v.count) { vp in
                        PQconnectdbParams(kp, vp, 0)
                    }
                }
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, context: "connect to \(configuration.endpointDescription): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            // libpq's connection messages name host, port and cause; they hold no row data.
            let reason = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(kind: .connection, context: "connect to \(configuration.endpointDescription): \(reason)")
        }
        self.handle = connection
        // Notices (e.g. "relation already exists, skipping") are not errors; keep them out of stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit {
        PQfinish(handle)
    }

    static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: "; ")
    }

    /// The server process id, for tests that terminate a session on purpose.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Whether the session is idle, in a transaction, or in a failed transaction.
    public var transactionStatus: PGTransactionStatusType { PQtransactionStatus(handle) }

    // MARK: - Queries

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ sql: SQL) throws(PostgresError) -> PostgresRows {
        if !readAhead.isEmpty {
            if let index = readAhead.firstIndex(where: { $0.sql.isSameStatement(as: sql) }) {
                return readAhead.remove(at: index).rows
            }
            // Anything else may change what was read ahead: it is not served any more.
            readAhead = []
        }
        if let begin = pendingBegin {
            pendingBegin = nil
            return try pipeline([sql], after: begin)[0]
        }
        if sql.isPrepared {
            return try executePrepared(sql, retryOnInvalidatedPlan: true)
        }
        let text = sql.text
        let result = try withParameters(sql.binds) { types, values throws(PostgresError) -> OpaquePointer? in
            PQexecParams(handle, text, Int32(sql.binds.count), types, values, nil, nil, 0)
        }
        return try check(result, context: "query")
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: SQL) throws(PostgresError) -> Int {
        try query(sql).affectedRows
    }

    /// Runs a script of one or more statements without parameters (migrations, `LISTEN`).
    public func run(script: String) throws(PostgresError) {
        readAhead = []
        var script = script
        if let begin = pendingBegin {
            // A script may hold several statements: BEGIN goes in front, in the same round trip.
            pendingBegin = nil
            script = begin + "; " + script
        }
        let result = PQexec(handle, script)
        _ = try check(result, context: "script")
    }

    // MARK: - Reading ahead: several reads in one round trip

    /// Rows of statements sent ahead by ``prefetch(_:)``, not yet asked for.
    private var readAhead: [(sql: SQL, rows: PostgresRows)] = []

    /// Sends `statements` in one round trip (libpq's pipeline mode; the transaction's BEGIN
    /// with them when it has not gone yet) and keeps their rows: the next ``query(_:)`` of
    /// the same statement (text and parameters) returns them without asking the server.
    /// For reads whose statements are known before the first of them runs (a page's reads
    /// that depend only on the request), which would otherwise take a round trip each.
    ///
    /// Only reads belong here. The rows are as the server saw them when they were sent, so a
    /// statement that is not one of them (a write, another read, a script) drops whatever
    /// was not asked for yet, and so do COMMIT and ROLLBACK: a read ahead is never served
    /// after something that could have changed it. A statement that is never asked for
    /// costs its execution and nothing else. If one fails, the error is thrown here (the
    /// statements after it did not run), as its own ``query(_:)`` would have.
    public func prefetch(_ statements: [SQL]) throws(PostgresError) {
        guard !statements.isEmpty else { return }
        let begin = pendingBegin
        pendingBegin = nil
        let rows = try pipeline(statements, after: begin)
        readAhead.append(contentsOf: zip(statements, rows).map { (sql: $0, rows: $1) })
    }

    /// Forgets what was read ahead and not asked for (the pool, when the connection comes back).
    func dropReadAhead() { readAhead = [] }

    // MARK: - Transactions: BEGIN with the first statement, deferred writes with COMMIT

    /// The BEGIN of a transaction ``PostgresPool`` opened that has sent nothing yet: it goes
    /// to the server with the transaction's first statement, in one round trip (libpq's
    /// pipeline mode), and a transaction that runs no statement sends nothing at all.
    private var pendingBegin: String?
    /// Statements that only write and whose result no one reads (the access log's rows of a
    /// read): they go with COMMIT, in its round trip. Still in the transaction: if one fails,
    /// the transaction does not commit.
    private var atCommit: [SQL] = []
    /// Set while ``PostgresPool`` runs a transaction on this connection.
    private var inPoolTransaction = false
    /// Set when the round trip that carried BEGIN failed on the connection (a server
    /// restart noticed only now): nothing of the transaction ran, and the pool may retry it
    /// on another connection as it did when BEGIN went alone.
    private(set) var failedBeforeBegin = false

    /// Opens a transaction whose BEGIN waits for its first statement.
    func beginWithFirstStatement(_ begin: String) {
        pendingBegin = begin
        readAhead = []
        atCommit = []
        inPoolTransaction = true
        failedBeforeBegin = false
    }

    /// Runs `sql` with COMMIT, in its round trip, inside a transaction of ``PostgresPool``;
    /// at once outside one. For a write whose result is not needed and that nothing in the
    /// transaction reads back.
    public func executeAtCommit(_ sql: SQL) throws(PostgresError) {
        if inPoolTransaction { atCommit.append(sql) } else { try execute(sql) }
    }

    /// COMMIT, with the writes deferred to it. A transaction that sent nothing sends nothing.
    func commit() throws(PostgresError) {
        let begin = pendingBegin, deferred = atCommit
        pendingBegin = nil
        atCommit = []
        readAhead = []
        inPoolTransaction = false
        if begin != nil && deferred.isEmpty { return }
        if deferred.isEmpty {
            try run(script: "COMMIT")
        } else {
            _ = try pipeline(deferred + [SQL("COMMIT")], after: begin)
        }
    }

    /// ROLLBACK, unless the transaction never reached the server.
    func rollback() {
        let began = pendingBegin == nil
        pendingBegin = nil
        atCommit = []
        readAhead = []
        inPoolTransaction = false
        if began && !isBroken { try? run(script: "ROLLBACK") }
    }

    /// Sends `statements` (after `begin`, when given) in one round trip: libpq's pipeline
    /// mode, one sync at the end. Reads every result before it returns or throws, so the
    /// connection is left idle; the first failure is thrown (the statements after it did
    /// not run). Returns the statements' rows (not the BEGIN's).
    private func pipeline(_ statements: [SQL], after begin: String?) throws(PostgresError) -> [PostgresRows] {
        do {
            return try pipelineUnchecked(statements, after: begin)
        } catch {
            if begin != nil && isBroken { failedBeforeBegin = true }
            throw error
        }
    }

    private func pipelineUnchecked(_ statements: [SQL], after begin: String?) throws(PostgresError) -> [PostgresRows] {
        guard PQenterPipelineMode(handle) == 1 else { throw connectionFailure("enter pipeline mode") }
        /// What each result read back belongs to.
        enum Sent { case begin, prepare(text: String, name: String), statement }
        var sent: [Sent] = []
        func sendFailed(_ what: String) -> PostgresError {
            // A send fails only when the connection does: it cannot be used again.
            isBroken = true
            return connectionFailure(what)
        }
        if let begin {
            guard PQsendQueryParams(handle, begin, 0, nil, nil, nil, nil, 0) == 1 else { throw sendFailed("send BEGIN") }
            sent.append(.begin)
        }
        var preparing: [String: String] = [:]
        for sql in statements {
            let text = sql.text
            if sql.isPrepared {
                let name: String
                if let existing = preparedStatements[text] ?? preparing[text] {
                    name = existing
                } else {
                    name = Self.statementName(preparedStatements.count + preparing.count)
                    let types = Self.parameterTypes(sql)
                    guard PQsendPrepare(handle, name, text, Int32(types.count), types.isEmpty ? nil : types) == 1 else {
                        throw sendFailed("send prepare")
                    }
                    preparing[text] = name
                    sent.append(.prepare(text: text, name: name))
                }
                let ok = try withParameters(sql.binds) { _, values throws(PostgresError) -> Bool in
                    PQsendQueryPrepared(handle, name, Int32(sql.binds.count), values, nil, nil, 0) == 1
                }
                guard ok else { throw sendFailed("send prepared statement") }
            } else {
                let ok = try withParameters(sql.binds) { types, values throws(PostgresError) -> Bool in
                    PQsendQueryParams(handle, text, Int32(sql.binds.count), types, values, nil, nil, 0) == 1
                }
                guard ok else { throw sendFailed("send statement") }
            }
            sent.append(.statement)
        }
        guard PQpipelineSync(handle) == 1 else { throw sendFailed("pipeline sync") }

        var rows: [PostgresRows] = []
        var firstError: PostgresError?
        for item in sent {
            guard let result = PQgetResult(handle) else {
                isBroken = true
                throw connectionFailure("pipeline: a result is missing")
            }
            // Each command's results end with a NULL.
            var extra = PQgetResult(handle)
            while let more = extra { PQclear(more); extra = PQgetResult(handle) }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)   // did not run: an earlier statement failed
                continue
            }
            do {
                let checked = try check(result, context: "pipeline")
                switch item {
                case .statement: rows.append(checked)
                case .prepare(let text, let name): preparedStatements[text] = name
                case .begin: break
                }
            } catch {
                if isBroken { throw error }
                if firstError == nil { firstError = error }
            }
        }
        guard let sync = PQgetResult(handle) else {
            isBroken = true
            throw connectionFailure("pipeline: no sync")
        }
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC, PQexitPipelineMode(handle) == 1 else {
            isBroken = true
            throw connectionFailure("pipeline: out of step")
        }
        if let firstError { throw firstError }
        return rows
    }

    /// The name of this session's next prepared statement, after `existing` others.
    private static func statementName(_ existing: Int) -> String { "samtak_\(existing + 1)" }

    private static func parameterTypes(_ sql: SQL) -> [Oid] { parameterTypes(sql.binds) }

    private static func parameterTypes(_ binds: [PostgresBind]) -> [Oid] { binds.map { Oid($0.typeOID) } }

    private func connectionFailure(_ context: String) -> PostgresError {
        if PQstatus(handle) != CONNECTION_OK { isBroken = true }
        return PostgresError(kind: .connection, context: "\(context): \(Self.trimmed(PQerrorMessage(handle)))")
    }

    private func executePrepared(_ sql: SQL, retryOnInvalidatedPlan: Bool) throws(PostgresError) -> PostgresRows {
        let text = sql.text
        let name: String
        if let existing = preparedStatements[text] {
            name = existing
        } else {
            name = Self.statementName(preparedStatements.count)
            let types = Self.parameterTypes(sql)
            let prepareResult = PQprepare(handle, name, text, Int32(types.count), types.isEmpty ? nil : types)
            _ = try check(prepareResult, context: "prepare")
            preparedStatements[text] = name
        }
        let result = try withParameters(sql.binds) { _, values throws(PostgresError) -> OpaquePointer? in
            PQexecPrepared(handle, name, Int32(sql.binds.count), values, nil, nil, 0)
        }
        do {
            return try check(result, context: "execute prepared")
        } catch let error where retryOnInvalidatedPlan && (error.sqlState == "0A000" || error.sqlState == "26000")
            && transactionStatus == PQTRANS_IDLE
        {
            // A schema change invalidated the plan ("cached plan must not change result type"):
            // prepare again, once. Only outside a transaction, which the error has not aborted.
            preparedStatements[text] = nil
            _ = PQexec(handle, "DEALLOCATE \(name)").map { PQclear($0) }
            return try executePrepared(sql, retryOnInvalidatedPlan: false)
        }
    }

    private func withParameters<R>(
        _ binds: [PostgresBind],
        _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?) throws(PostgresError) -> R
    ) throws(PostgresError) -> R {
        if binds.isEmpty { return try body(nil, nil) }
        let types = Self.parameterTypes(binds)
        let values: [UnsafeMutablePointer<CChar>?] = binds.map { bind in bind.text.map { strdup($0) } ?? nil }
        defer { values.forEach { free($0) } }
        do {
            return try types.withUnsafeBufferPointer { typePointer throws(PostgresError) -> R in
                try values.withUnsafeBufferPointer { valuePointer throws(PostgresError) -> R in
                    try valuePointer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) {
                        pointer throws(PostgresError) -> R in
                        try body(typePointer.baseAddress, pointer)
                    }
                }
            }
        }
    }

    /// Turns a PGresult into rows or a typed error, and notices a lost connection.
    private func check(_ result: OpaquePointer?, context: String) throws(PostgresError) -> PostgresRows {
        guard let result else {
            isBroken = PQstatus(handle) != CONNECTION_OK || isBroken
            throw PostgresError(kind: .connection, context: "\(context): \(Self.trimmed(PQerrorMessage(handle)))")
        }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result: result)
        default:
            func field(_ code: UInt8) -> String? {
                PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
            }
            let sqlState = field(UInt8(ascii: "C"))
            var error = PostgresError(
                kind: sqlState == nil ? .connection : .server,
                sqlState: sqlState,
                constraint: field(UInt8(ascii: "n")),
                table: field(UInt8(ascii: "t")),
                column: field(UInt8(ascii: "c")),
                context: context,
                unsafeServerMessage: field(UInt8(ascii: "M")) ?? Self.trimmed(PQerrorMessage(handle))
            )
            PQclear(result)
            if PQstatus(handle) != CONNECTION_OK || error.isConnectionFailure {
                isBroken = true
                error.kind = .connection
                error.context = "\(context): connection lost"
            }
            throw error
        }
    }

    // MARK: - Notifications

    /// The socket, for waiting on notifications.
    var socket: Int32 { PQsocket(handle) }

    /// Reads what the server sent and returns the notifications received so far.
    func drainNotifications() throws(PostgresError) -> [PostgresNotification] {
        guard PQconsumeInput(handle) == 1 else {
            isBroken = true
            throw PostgresError(kind: .connection, context: "read notifications: \(Self.trimmed(PQerrorMessage(handle)))")
        }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra)
            ))
            PQfreemem(notify)
        }
        return notifications
    }
}

/// A `NOTIFY` received on a `LISTEN`ed channel.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
}

/// The rows of one result. Decode them inside the lease; the result is freed with the value.
public final class PostgresRows: Sequence {
    let result: OpaquePointer
    public let count: Int
    public let columnCount: Int

    init(result: OpaquePointer) {
        self.result = result
        self.count = Int(PQntuples(result))
        self.columnCount = Int(PQnfields(result))
    }

    deinit { PQclear(result) }

    /// Rows affected by INSERT/UPDATE/DELETE (0 for others).
    public var affectedRows: Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    public var isEmpty: Bool { count == 0 }
    public var first: PostgresRow? { count > 0 ? PostgresRow(rows: self, index: 0) : nil }
    public subscript(index: Int) -> PostgresRow { PostgresRow(rows: self, index: index) }

    public func columnIndex(_ name: String) -> Int? {
        let index = PQfnumber(result, name)
        return index < 0 ? nil : Int(index)
    }

    public func columnName(_ index: Int) -> String {
        String(cString: PQfname(result, Int32(index)))
    }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var index = 0
        return AnyIterator { [self] in
            guard index < count else { return nil }
            defer { index += 1 }
            return PostgresRow(rows: self, index: index)
        }
    }

    /// Decodes every row with `transform`.
    public func map<T>(_ transform: (PostgresRow) throws(PostgresError) -> T) throws(PostgresError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for index in 0..<count {
            out.append(try transform(PostgresRow(rows: self, index: index)))
        }
        return out
    }
}

/// One row; columns are decoded by position or by name.
public struct PostgresRow {
    let rows: PostgresRows
    let index: Int

    public func isNull(_ column: Int) -> Bool {
        PQgetisnull(rows.result, Int32(index), Int32(column)) == 1
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ column: Int) throws(PostgresError) -> T {
        guard column >= 0, column < rows.columnCount else {
            throw PostgresError(kind: .usage, context: "column \(column) out of range")
        }
        if isNull(column) { return try T.postgresNull(column: rows.columnName(column)) }
        let text = String(cString: PQgetvalue(rows.result, Int32(index), Int32(column)))
        do {
            return try T(postgresText: text)
        } catch {
            var error = error
            error.column = rows.columnName(column)
            throw error
        }
    }

    /// The column's text as bytes, without making a `String` (nil for NULL): for a value
    /// passed on as it is (the outbox relay's record fields).
    public func bytes(_ column: Int) throws(PostgresError) -> [UInt8]? {
        guard column >= 0, column < rows.columnCount else {
            throw PostgresError(kind: .usage, context: "column \(column) out of range")
        }
        if isNull(column) { return nil }
        let length = Int(PQgetlength(rows.result, Int32(index), Int32(column)))
        guard length > 0, let value = PQgetvalue(rows.result, Int32(index), Int32(column)) else { return [] }
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, _ name: String) throws(PostgresError) -> T {
        guard let column = rows.columnIndex(name) else {
            throw PostgresError(kind: .usage, column: name, context: "no such column in the result")
        }
        return try decode(type, column)
    }

    public subscript<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) -> T {
        get throws(PostgresError) { try decode(type, name) }
    }
}

let PQTRANS_IDLE_VALUE = PQTRANS_IDLE

extension PostgresConnection {
    /// Notices a connection the server has closed (restart, termination) by reading what is
    /// pending on the socket, without sending anything.
    func isAliveWithoutRoundTrip() -> Bool {
        if isBroken || PQstatus(handle) != CONNECTION_OK { return false }
        if PQconsumeInput(handle) == 0 { return false }
        return PQstatus(handle) == CONNECTION_OK
    }
}
