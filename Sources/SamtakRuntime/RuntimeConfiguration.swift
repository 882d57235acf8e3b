import Foundation
import Logging
import SamtakKafka
import SamtakMessaging
import SamtakPostgres

/// The settings every Samtak service reads from its environment. Each variable has a local
/// default that matches what `Deploy/up` starts, so a developer sets nothing.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_PG_HOST` / `SAMTAK_PG_PORT` | `127.0.0.1` / `55432` | PostgreSQL |
/// | `SAMTAK_PG_USER` / `SAMTAK_PG_PASSWORD` / `SAMTAK_PG_DATABASE` | `samtak` / none / `samtak` | |
/// | `SAMTAK_PG_POOL_SIZE` | `10` | connections per process |
/// | `SAMTAK_KAFKA_BROKERS` | `127.0.0.1:19092` | bootstrap servers |
/// | `SAMTAK_KAFKA_PROPERTIES` | none | extra librdkafka properties, `k=v;k=v` (e.g. SASL/TLS) |
/// | `SAMTAK_TOPIC_PREFIX` | `samtak.` | topic names are prefix + `cases`, `meetings`, ... |
/// | `SAMTAK_TOPIC_PARTITIONS` | the broker's (`num.partitions`) | partitions of each topic Samtak creates |
/// | `SAMTAK_TOPIC_REPLICATION_FACTOR` | the broker's (`default.replication.factor`) | replicas of each topic Samtak creates |
/// | `SAMTAK_CONSUMER_ASSIGNMENT` | `group` | `group` (consumer group) or `manual` |
/// | `SAMTAK_HTTP_HOST` / `SAMTAK_HTTP_PORT` | `127.0.0.1` / per service | API and health endpoints |
/// | `SAMTAK_LOG_LEVEL` | `info` | trace, debug, info, notice, warning, error, critical |
/// | `SAMTAK_LOG_FORMAT` | `json` | `json` (one object per line) or `text` |
/// | `SAMTAK_ENV` | `development` | `production` refuses development secrets and defaults that are unsafe |
///
/// A secret (a password or a key) may also be given as a file: `NAME_FILE=/path` reads the
/// value from the file (one trailing newline removed), as container secrets are mounted.
public struct RuntimeConfiguration: Sendable {
    public var serviceName: String
    /// `SAMTAK_ENV`: production refuses development secrets.
    public var mode: RuntimeMode
    public var postgres: PostgresConfiguration
    public var poolSize: Int
    public var kafka: KafkaConfiguration
    public var topics: TopicNaming
    public var consumerAssignment: InboxConsumer.AssignmentMode
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// The raw environment, for service-specific settings.
    public var environment: [String: String]

    public enum LogFormat: String, Sendable { case json, text }

    public init(serviceName: String, defaultHTTPPort: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        let env = EnvironmentReader(environment)
        self.serviceName = serviceName
        self.environment = environment
        mode = try env.choice("SAMTAK_ENV", default: .development)
        postgres = PostgresConfiguration(
            host: env.string("SAMTAK_PG_HOST", default: "127.0.0.1"),
            port: try env.integer("SAMTAK_PG_PORT", default: 55432, range: 1...65535),
            user: env.string("SAMTAK_PG_USER", default: "samtak"),
            password: try env.secret("SAMTAK_PG_PASSWORD"),
            database: env.string("SAMTAK_PG_DATABASE", default: "samtak"),
            applicationName: serviceName,
            connectTimeoutSeconds: try env.integer("SAMTAK_PG_CONNECT_TIMEOUT", default: 5, range: 1...120),
            statementTimeoutMilliseconds: try env.integer("SAMTAK_PG_STATEMENT_TIMEOUT_MS", default: 30_000, range: 0...3_600_000)
        )
        poolSize = try env.integer("SAMTAK_PG_POOL_SIZE", default: 10, range: 1...500)
        var properties: [String: String] = [:]
        if let raw = environment["SAMTAK_KAFKA_PROPERTIES"], !raw.isEmpty {
            for pair in raw.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ConfigurationError(variable: "SAMTAK_KAFKA_PROPERTIES", problem: "expected key=value pairs separated by ';'")
                }
                properties[parts[0]] = parts[1]
            }
        }
        kafka = KafkaConfiguration(
            brokers: env.string("SAMTAK_KAFKA_BROKERS", default: "127.0.0.1:19092"),
            clientID: serviceName, properties: properties
        )
        topics = TopicNaming(
            prefix: env.string("SAMTAK_TOPIC_PREFIX", default: "samtak."),
            partitions: Int32(try env.integer("SAMTAK_TOPIC_PARTITIONS", default: Int(TopicNaming.brokerDefault), range: 1...1000)),
            replicationFactor: Int16(try env.integer("SAMTAK_TOPIC_REPLICATION_FACTOR", default: Int(TopicNaming.brokerDefault), range: 1...32))
        )
        consumerAssignment = try env.choice("SAMTAK_CONSUMER_ASSIGNMENT", default: .group)
        httpHost = env.string("SAMTAK_HTTP_HOST", default: "127.0.0.1")
        httpPort = try env.integer("SAMTAK_HTTP_PORT", default: defaultHTTPPort, range: 0...65535)
        guard let level = Logger.Level(rawValue: env.string("SAMTAK_LOG_LEVEL", default: "info")) else {
            throw ConfigurationError(variable: "SAMTAK_LOG_LEVEL", problem: "expected one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = level
        logFormat = try env.choice("SAMTAK_LOG_FORMAT", default: .json)
    }
}

/// Development (the default: local defaults for every secret) or production (no default
/// secret is accepted, and settings that are only safe on loopback are refused).
public enum RuntimeMode: String, Sendable {
    case development, production
}

/// A setting that cannot be used; the message names the variable, never a secret's value.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var variable: String
    public var problem: String
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }
    public var description: String { "configuration: \(variable): \(problem)" }
}

/// Typed access to environment variables with defaults.
public struct EnvironmentReader: Sendable {
    let values: [String: String]
    public init(_ values: [String: String]) { self.values = values }

    public func string(_ name: String, default value: String) -> String {
        guard let raw = values[name], !raw.isEmpty else { return value }
        return raw
    }

    public func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let raw = values[name], !raw.isEmpty else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw ConfigurationError(variable: name, problem: "expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A secret from `NAME`, or from the file `NAME_FILE` names (one trailing newline
    /// removed); nil when neither is set. Both set is an error; the value is never echoed.
    public func secret(_ name: String) throws(ConfigurationError) -> String? {
        let direct = values[name].flatMap { $0.isEmpty ? nil : $0 }
        let path = values[name + "_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        switch (direct, path) {
        case (nil, nil): return nil
        case (.some, .some): throw ConfigurationError(variable: name, problem: "set either \(name) or \(name)_FILE, not both")
        case (let value?, nil): return value
        case (nil, let path?):
            guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
                throw ConfigurationError(variable: name + "_FILE", problem: "the file cannot be read as UTF-8")
            }
            if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else { throw ConfigurationError(variable: name + "_FILE", problem: "the file is empty") }
            return text
        }
    }

    /// A secret with a development default: the default is refused in production.
    public func secret(_ name: String, developmentDefault: String, mode: RuntimeMode, minimumBytes: Int = 32) throws(ConfigurationError) -> String {
        let value = try secret(name) ?? developmentDefault
        guard value.utf8.count >= minimumBytes else {
            throw ConfigurationError(variable: name, problem: "must be at least \(minimumBytes) bytes")
        }
        if mode == .production && value == developmentDefault {
            throw ConfigurationError(variable: name, problem: "must be set in production (the development value is public)")
        }
        return value
    }

    public func bool(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = values[name]?.lowercased(), !raw.isEmpty else { return value }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "expected true or false")
        }
    }

    public func choice<T: RawRepresentable>(_ name: String, default value: T) throws(ConfigurationError) -> T where T.RawValue == String {
        guard let raw = values[name], !raw.isEmpty else { return value }
        guard let parsed = T(rawValue: raw) else {
            throw ConfigurationError(variable: name, problem: "unknown value")
        }
        return parsed
    }
}
