/// Connection settings shared by producers, consumers and admin clients.
///
/// Rendered to librdkafka properties in this order, later entries winning:
/// the client kind's defaults, `bootstrap.servers`/`client.id` from ``brokers``/``clientID``,
/// then ``properties``. A few properties a client kind depends on are enforced after that
/// (documented on each client, e.g. the producer's idempotence).
public struct KafkaConfiguration: Sendable {
    /// Bootstrap brokers, `"host:port[,host:port]"`.
    public var brokers: String
    /// `client.id`, visible in broker logs and in this module's log metadata.
    public var clientID: String
    /// Extra librdkafka properties (see librdkafka's CONFIGURATION.md); they override defaults.
    public var properties: [String: String]

    public init(brokers: String, clientID: String, properties: [String: String] = [:]) {
        self.brokers = brokers
        self.clientID = clientID
        self.properties = properties
    }

    /// Defaults for every client kind.
    /// `enable.metrics.push=false`: no KIP-714 client telemetry; with it on, `rd_kafka_destroy`
    /// waits up to a second for a final telemetry push (measured against Tansu).
    static let commonDefaults: [String: String] = [
        "enable.metrics.push": "false"
    ]

    /// The full property set handed to librdkafka.
    func librdkafkaProperties(
        defaults: [String: String] = [:],
        enforced: [String: String] = [:]
    ) -> [String: String] {
        var result = Self.commonDefaults.merging(defaults) { _, new in new }
        result["bootstrap.servers"] = brokers
        result["client.id"] = clientID
        result.merge(properties) { _, new in new }
        result.merge(enforced) { _, new in new }
        return result
    }
}
