import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a client may keep a connection of a Samtak service's HTTP server without
/// making progress, and how many connections one process holds. Without them, idle,
/// slowloris (a request head sent a byte at a time) and short-body (a body that never
/// arrives) connections stay open for good and use up the process's sockets.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_HTTP_IDLE_TIMEOUT_S` | 30 | a connection on which no request part arrives for this long is closed: idle keep-alive, a request head that never completes, a body that stops |
/// | `SAMTAK_HTTP_BODY_TIMEOUT_S` | 60 | a request's whole body must have arrived this long after its head (a body trickled in) |
/// | `SAMTAK_HTTP_MAX_CONNECTIONS` | 512 | open connections per process; further clients wait in the listen backlog until one closes |
///
/// A request that has arrived whole is never cut off while it is being answered.
public struct HTTPServerLimits: Sendable, Hashable {
    public var idleTimeoutSeconds: Int
    public var bodyTimeoutSeconds: Int
    public var maxConnections: Int

    public init(idleTimeoutSeconds: Int = 30, bodyTimeoutSeconds: Int = 60, maxConnections: Int = 512) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.maxConnections = maxConnections
    }

    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        self.init(
            idleTimeoutSeconds: try reader.integer("SAMTAK_HTTP_IDLE_TIMEOUT_S", default: 30, range: 1...3600),
            bodyTimeoutSeconds: try reader.integer("SAMTAK_HTTP_BODY_TIMEOUT_S", default: 60, range: 1...3600),
            maxConnections: try reader.integer("SAMTAK_HTTP_MAX_CONNECTIONS", default: 512, range: 1...100_000)
        )
    }

    /// The server: HTTP/1.1 with the idle timeout (Hummingbird's connection state handler
    /// measures it from the last request part read) and the body deadline.
    public func serverBuilder() -> HTTPServerBuilder {
        let bodyTimeout = TimeAmount.seconds(Int64(bodyTimeoutSeconds))
        return .http1(configuration: .init(
            additionalChannelHandlers: [RequestBodyDeadlineHandler(timeout: bodyTimeout)],
            idleTimeout: .seconds(Int64(idleTimeoutSeconds))
        ))
    }

    /// The application configuration with the connection limit.
    public func applicationConfiguration(address: BindAddress, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(address: address, serverName: nil,
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }
}

/// Closes a connection whose request body has not arrived whole within `timeout` of its
/// head, however slowly it trickles in (the idle timeout only sees silence).
final class RequestBodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                self?.deadline = nil
                context.close(promise: nil)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
