import CRdKafka

/// How far a consumer group is behind on one partition: the log end offset minus the group's
/// committed offset (or minus the log start, when the group has committed nothing there yet:
/// it starts from the earliest record).
public struct KafkaPartitionLag: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// The group's committed offset (the next record it will read); nil when it has none.
    public var committed: Int64?
    /// The offset the next record written to the partition will get.
    public var end: Int64
    public var lag: Int64
}

extension KafkaAdminClient {
    /// The lag of consumer group `groupID` on every partition of `topics` that exists, measured
    /// from the outside (metadata, the group's committed offsets, the partitions' log start and
    /// end), so it keeps growing while the group's consumers are stopped, dead or stuck.
    /// Three or four requests: Metadata, OffsetFetch, ListOffsets (latest; earliest only for
    /// partitions without a committed offset).
    public func consumerGroupLag(groupID: String, topics: [String], timeout: Duration) async throws(KafkaError) -> [KafkaPartitionLag] {
        let milliseconds = timeout.kafkaMilliseconds
        let result = await runOnWorker { rk -> Result<[KafkaPartitionLag], KafkaError> in
            KafkaGroupLag.measure(rk: rk, groupID: groupID, topics: topics, milliseconds: milliseconds)
        }
        return try result.get()
    }
}

enum KafkaGroupLag {
    struct Key: Hashable { var topic: String; var partition: Int32 }

    static func measure(rk: OpaquePointer, groupID: String, topics: [String], milliseconds: Int32) -> Result<[KafkaPartitionLag], KafkaError> {
        // Every topic's metadata (asking for named topics could create them on a broker that auto-creates).
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 1, nil, &metadata, milliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return .failure(KafkaError(err, message: "metadata request failed: \(String(cString: rd_kafka_err2str(err)))"))
        }
        var partitions: [Key] = []
        let wanted = Set(topics)
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            let name = String(cString: topic.topic)
            guard wanted.contains(name), topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            for p in 0..<Int(topic.partition_cnt) { partitions.append(Key(topic: name, partition: topic.partitions[p].id)) }
        }
        rd_kafka_metadata_destroy(metadata)
        guard !partitions.isEmpty else { return .success([]) }

        let committed: [Key: Int64]
        switch listCommitted(rk: rk, groupID: groupID, partitions: partitions, milliseconds: milliseconds) {
        case .success(let found): committed = found
        case .failure(let error): return .failure(error)
        }
        let ends: [Key: Int64]
        switch listOffsets(rk: rk, partitions: partitions, spec: -1, milliseconds: milliseconds) {  // RD_KAFKA_OFFSET_SPEC_LATEST
        case .success(let found): ends = found
        case .failure(let error): return .failure(error)
        }
        let uncommitted = partitions.filter { committed[$0] == nil }
        var starts: [Key: Int64] = [:]
        if !uncommitted.isEmpty {
            switch listOffsets(rk: rk, partitions: uncommitted, spec: -2, milliseconds: milliseconds) {  // RD_KAFKA_OFFSET_SPEC_EARLIEST
            case .success(let found): starts = found
            case .failure(let error): return .failure(error)
            }
        }
        return .success(partitions.compactMap { key in
            guard let end = ends[key] else { return nil }
            let from = committed[key] ?? starts[key] ?? 0
            return KafkaPartitionLag(topic: key.topic, partition: key.partition, committed: committed[key], end: end, lag: max(0, end - from))
        })
    }

    private static func partitionList(_ partitions: [Key], offset: Int64?) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? {
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: partitions.count)) else { return nil }
        for key in partitions {
            let element = rd_kafka_topic_partition_list_add(list, key.topic, key.partition)
            if let offset { element?.pointee.offset = offset }
        }
        return list
    }

    /// Runs one admin request and waits for its result event (destroyed by the caller).
    private static func request(
        rk: OpaquePointer, operation: rd_kafka_admin_op_t, milliseconds: Int32,
        _ send: (OpaquePointer, OpaquePointer) -> Void
    ) -> Result<OpaquePointer, KafkaError> {
        guard let options = rd_kafka_AdminOptions_new(rk, operation) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not create admin options"))
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errstr, errstr.count)
        guard let queue = rd_kafka_queue_new(rk) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not create a result queue"))
        }
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, milliseconds &+ 1000) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "no answer in time"))
        }
        let error = rd_kafka_event_error(event)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            rd_kafka_event_destroy(event)
            return .failure(KafkaError(error, message: text))
        }
        return .success(event)
    }

    /// One listing request over `partitions` (each with `offset`, when given): sends it,
    /// waits for the result and reads it with `read` while the event is alive.
    private static func listing(
        rk: OpaquePointer, partitions: [Key], offset: Int64?, operation: rd_kafka_admin_op_t, milliseconds: Int32,
        send: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, OpaquePointer, OpaquePointer) -> Void,
        read: (OpaquePointer) -> Result<[Key: Int64], KafkaError>
    ) -> Result<[Key: Int64], KafkaError> {
        guard let list = partitionList(partitions, offset: offset) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not allocate a partition list"))
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        switch request(rk: rk, operation: operation, milliseconds: milliseconds, { send(list, $0, $1) }) {
        case .success(let event):
            defer { rd_kafka_event_destroy(event) }
            return read(event)
        case .failure(let error):
            return .failure(error)
        }
    }

    static func listCommitted(rk: OpaquePointer, groupID: String, partitions: [Key], milliseconds: Int32) -> Result<[Key: Int64], KafkaError> {
        listing(rk: rk, partitions: partitions, offset: nil, operation: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, milliseconds: milliseconds,
                send: { list, options, queue in
            var requests: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(groupID, list)]
            defer { rd_kafka_ListConsumerGroupOffsets_destroy_array(&requests, 1) }
            rd_kafka_ListConsumerGroupOffsets(rk, &requests, 1, options, queue)
        }, read: { event in
            var found: [Key: Int64] = [:]
            var count = 0
            guard let result = rd_kafka_event_ListConsumerGroupOffsets_result(event),
                  let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count) else { return .success(found) }
            for index in 0..<count {
                guard let group = groups[index] else { continue }
                if let error = rd_kafka_group_result_error(group) {
                    return .failure(KafkaError(rd_kafka_error_code(error),
                                               message: "committed offsets of the group: \(String(cString: rd_kafka_error_string(error)))"))
                }
                guard let offsets = rd_kafka_group_result_partitions(group) else { continue }
                for i in 0..<Int(offsets.pointee.cnt) {
                    let element = offsets.pointee.elems[i]
                    guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
                    found[Key(topic: String(cString: element.topic), partition: element.partition)] = element.offset
                }
            }
            return .success(found)
        })
    }

    static func listOffsets(rk: OpaquePointer, partitions: [Key], spec: Int64, milliseconds: Int32) -> Result<[Key: Int64], KafkaError> {
        listing(rk: rk, partitions: partitions, offset: spec, operation: RD_KAFKA_ADMIN_OP_LISTOFFSETS, milliseconds: milliseconds,
                send: { list, options, queue in rd_kafka_ListOffsets(rk, list, options, queue) },
                read: { event in
            var found: [Key: Int64] = [:]
            var count = 0
            guard let result = rd_kafka_event_ListOffsets_result(event),
                  let infos = rd_kafka_ListOffsets_result_infos(result, &count) else { return .success(found) }
            for index in 0..<count {
                guard let info = infos[index], let element = rd_kafka_ListOffsetsResultInfo_topic_partition(info) else { continue }
                guard element.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.pointee.offset >= 0 else { continue }
                found[Key(topic: String(cString: element.pointee.topic), partition: element.pointee.partition)] = element.pointee.offset
            }
            return .success(found)
        })
    }
}
