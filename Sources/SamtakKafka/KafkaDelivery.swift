import CRdKafka
import Synchronization

/// The sends waiting for their delivery report, by the id passed as the message opaque.
final class DeliveryRegistry: Sendable {
    struct Pending: Sendable {
        let batch: DeliveryBatch
        let index: Int
    }

    private struct State {
        var nextID: UInt64 = 1
        var pending: [UInt64: Pending] = [:]
    }

    private let state = Mutex(State())

    func register(batch: DeliveryBatch, index: Int) -> UInt64 {
        state.withLock { state in
            let id = state.nextID
            state.nextID &+= 1
            if state.nextID == 0 { state.nextID = 1 }  // 0 would be a null opaque
            state.pending[id] = Pending(batch: batch, index: index)
            return id
        }
    }

    func take(_ id: UInt64) -> Pending? {
        state.withLock { $0.pending.removeValue(forKey: id) }
    }

    func takeAll() -> [Pending] {
        state.withLock { state in
            let all = Array(state.pending.values)
            state.pending.removeAll()
            return all
        }
    }

    var count: Int {
        state.withLock { $0.pending.count }
    }
}

/// Collects the results of one `send` call and resumes its caller once all are in.
final class DeliveryBatch: Sendable {
    typealias Outcome = Result<KafkaRecordMetadata, KafkaError>

    private struct State {
        var results: [Outcome]
        var completed: [Bool]
        var remaining: Int
        var continuation: CheckedContinuation<[Outcome], Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        let placeholder = Outcome.failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "no delivery result"))
        state = Mutex(
            State(
                results: Array(repeating: placeholder, count: count),
                completed: Array(repeating: false, count: count),
                remaining: count,
                continuation: nil
            )
        )
    }

    func complete(index: Int, with outcome: Outcome) {
        let resume: (CheckedContinuation<[Outcome], Never>, [Outcome])? = state.withLock { state in
            guard state.results.indices.contains(index), !state.completed[index] else { return nil }
            state.results[index] = outcome
            state.completed[index] = true
            state.remaining -= 1
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.results)
        }
        if let (continuation, results) = resume {
            continuation.resume(returning: results)
        }
    }

    func wait() async -> [Outcome] {
        await withCheckedContinuation { continuation in
            let ready: [Outcome]? = state.withLock { state in
                if state.remaining == 0 { return state.results }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Temporary C copies for one `rd_kafka_produceva` call (librdkafka copies what it keeps).
struct CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// A NUL-terminated copy of `string`.
    mutating func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = string.utf8CString
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        for (offset, character) in utf8.enumerated() {
            (pointer + offset).initialize(to: character)
        }
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    /// A copy of `bytes`; never null, so an empty array stays an empty (not a null) value.
    mutating func bytes(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, source.count > 0 {
                pointer.copyMemory(from: base, byteCount: source.count)
            }
        }
        allocations.append(pointer)
        return pointer
    }

    mutating func free() {
        for pointer in allocations { pointer.deallocate() }
        allocations.removeAll()
    }
}
