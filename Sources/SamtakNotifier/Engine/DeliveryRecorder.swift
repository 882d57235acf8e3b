import Foundation
import Logging
import SamtakPostgres
import Synchronization

/// Records delivery outcomes in batches (group commit): outcomes that finish while a batch
/// is being written wait and go together into the next transaction, up to `maxBatch` at
/// once. One transaction, and one commit's WAL flush, then serves many sends; a lone
/// outcome is written at once, so nothing waits for a timer.
///
/// Each outcome is still the same guarded statement (``DeliveryStore/finish``: only if this
/// worker's lease still holds the row), so a batch changes nothing about who owns a row.
/// After the batch commits, each document that got a final outcome is completed if nothing
/// of it is open (``DeliveryStore/hasOpenDeliveries``, then ``DeliveryStore/completeIfDone``
/// under the document's row lock), as a single outcome did before. A database failure
/// retries the whole batch until the lease would have run out; after that the rows are
/// another worker's and the outcomes are dropped (nil), the rows being retried after their
/// lease as before.
final class OutcomeRecorder: Sendable {
    private struct Item: Sendable {
        var delivery: ClaimedDelivery
        var token: UUID
        var outcome: DeliveryOutcome
        var continuation: CheckedContinuation<DeliveryStore.FinishResult?, Never>
    }

    private let pool: PostgresPool
    private let store: DeliveryStore
    private let lease: Duration
    private let logger: Logger
    private let maxBatch: Int
    private let state = Mutex<(items: [Item], flushing: Bool)>(([], false))

    init(pool: PostgresPool, store: DeliveryStore, lease: Duration, logger: Logger, maxBatch: Int = 64) {
        self.pool = pool
        self.store = store
        self.lease = lease
        self.logger = logger
        self.maxBatch = max(1, maxBatch)
    }

    /// Records one outcome (with whatever else is waiting); returns how it was applied, or
    /// nil if it could not be recorded in time.
    func record(_ delivery: ClaimedDelivery, token: UUID, outcome: DeliveryOutcome) async -> DeliveryStore.FinishResult? {
        await withCheckedContinuation { continuation in
            let startFlushing = state.withLock { state -> Bool in
                state.items.append(Item(delivery: delivery, token: token, outcome: outcome, continuation: continuation))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if startFlushing {
                // Not a child of the caller: a graceful shutdown lets the batch in hand finish.
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Item] in
                guard !state.items.isEmpty else {
                    state.flushing = false
                    return []
                }
                let count = min(maxBatch, state.items.count)
                defer { state.items.removeFirst(count) }
                return Array(state.items.prefix(count))
            }
            if batch.isEmpty { return }
            let results = await write(batch)
            for (item, result) in zip(batch, results) {
                item.continuation.resume(returning: result)
            }
        }
    }

    private func write(_ batch: [Item]) async -> [DeliveryStore.FinishResult?] {
        let store = self.store
        let entries = batch.map { ($0.delivery, $0.token, $0.outcome) }
        let deadline = ContinuousClock.now + lease
        var backoff = Duration.milliseconds(50)
        while true {
            do {
                var results: [DeliveryStore.FinishResult?] = try await pool.withTransaction { connection in
                    try entries.map { delivery, token, outcome in
                        try store.finish(delivery, token: token, outcome: outcome, on: connection)
                    }
                }
                // Documents that got a final outcome in this batch: the last such outcome of
                // each reports whether it completed the document.
                var lastFinal: [UUID: Int] = [:]
                for (index, (entry, result)) in zip(entries, results).enumerated() {
                    if case .applied = result, entry.2.isFinal { lastFinal[entry.0.documentId] = index }
                }
                for (documentId, index) in lastFinal {
                    var completed = false
                    if let open = try? await pool.withConnection({ try store.hasOpenDeliveries(documentId: documentId, on: $0) }), !open {
                        completed = (try? await pool.withTransaction { try store.completeIfDone(documentId: documentId, on: $0) }) ?? false
                    }
                    results[index] = .applied(completed: completed)
                }
                return results
            } catch {
                if ContinuousClock.now + backoff > deadline {
                    logger.error("could not record delivery outcomes; they are retried after their lease", metadata: [
                        "count": "\(batch.count)", "error": "\(error)",
                    ])
                    return batch.map { _ in nil }
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
