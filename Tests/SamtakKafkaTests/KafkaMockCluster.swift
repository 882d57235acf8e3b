import CRdKafka
import Foundation
import SamtakKafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// librdkafka's built-in mock cluster (`rdkafka_mock.h`), for fault tests: brokers that go down,
/// requests that fail. The CRdKafka shim does not include `rdkafka_mock.h`, so the few functions
/// used here are looked up in the loaded librdkafka with `dlsym` and called through typed C
/// function pointers (their signatures copied from librdkafka 2.8's `rdkafka_mock.h`).
final class KafkaMockCluster {
    private typealias ClusterNew = @convention(c) (OpaquePointer?, Int32) -> OpaquePointer?
    private typealias ClusterDestroy = @convention(c) (OpaquePointer?) -> Void
    private typealias ClusterBootstraps = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    private typealias TopicCreate = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, Int32) -> rd_kafka_resp_err_t
    private typealias BrokerSet = @convention(c) (OpaquePointer?, Int32) -> rd_kafka_resp_err_t
    private typealias PushRequestErrors = @convention(c) (OpaquePointer?, Int16, Int, UnsafePointer<rd_kafka_resp_err_t>?) -> Void

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    private let handle: OpaquePointer  // the rd_kafka_t the mock cluster runs in
    private let cluster: OpaquePointer
    private let destroyCluster: ClusterDestroy
    private let topicCreate: TopicCreate
    private let brokerSetDown: BrokerSet
    private let brokerSetUp: BrokerSet
    private let pushRequestErrors: PushRequestErrors
    let bootstrapServers: String

    init(brokers: Int32) throws {
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let library = dlopen(nil, RTLD_NOW), let pointer = dlsym(library, name) else {
                throw Unavailable(description: "librdkafka's mock cluster function \(name) is not available")
            }
            return unsafeBitCast(pointer, to: type)
        }
        let clusterNew = try symbol("rd_kafka_mock_cluster_new", as: ClusterNew.self)
        let bootstraps = try symbol("rd_kafka_mock_cluster_bootstraps", as: ClusterBootstraps.self)
        destroyCluster = try symbol("rd_kafka_mock_cluster_destroy", as: ClusterDestroy.self)
        topicCreate = try symbol("rd_kafka_mock_topic_create", as: TopicCreate.self)
        brokerSetDown = try symbol("rd_kafka_mock_broker_set_down", as: BrokerSet.self)
        brokerSetUp = try symbol("rd_kafka_mock_broker_set_up", as: BrokerSet.self)
        pushRequestErrors = try symbol("rd_kafka_mock_push_request_errors_array", as: PushRequestErrors.self)

        guard let conf = rd_kafka_conf_new() else { throw Unavailable(description: "rd_kafka_conf_new failed") }
        var errstr = [CChar](repeating: 0, count: 256)
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errstr, errstr.count)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw Unavailable(description: "could not create the mock cluster's handle")
        }
        guard let cluster = clusterNew(handle, brokers), let servers = bootstraps(cluster) else {
            rd_kafka_destroy(handle)
            throw Unavailable(description: "rd_kafka_mock_cluster_new failed")
        }
        self.handle = handle
        self.cluster = cluster
        self.bootstrapServers = String(cString: servers)
    }

    deinit {
        destroyCluster(cluster)
        rd_kafka_destroy(handle)
    }

    func createTopic(_ name: String, partitions: Int32) throws {
        let err = topicCreate(cluster, name, partitions, 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw Unavailable(description: "mock topic creation failed: \(String(cString: rd_kafka_err2str(err)))")
        }
    }

    /// Disconnects the broker (`-1`: all) and refuses new connections.
    func setBrokerDown(_ id: Int32 = -1) {
        _ = brokerSetDown(cluster, id)
    }

    func setBrokerUp(_ id: Int32 = -1) {
        _ = brokerSetUp(cluster, id)
    }

    /// The next requests of this API key (0 = Produce) fail with these errors, in order.
    func failNextRequests(apiKey: Int16, with errors: [rd_kafka_resp_err_t]) {
        errors.withUnsafeBufferPointer { pushRequestErrors(cluster, apiKey, $0.count, $0.baseAddress) }
    }
}
