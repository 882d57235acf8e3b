import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP forwarder the test controls, standing between a service and PostgreSQL
/// (or the broker): `stop()` drops the listener and every connection, as a database
/// restart or a network cut would; `start()` brings it back on the same port.
/// Thread-per-connection with blocking sockets: simple, and enough for tests.
public final class TCPProxy: Sendable {
    public let port: Int
    let targetPort: Int
    private let state = Mutex(ProxyState())

    private struct ProxyState {
        var listener: Int32 = -1
        var sockets: Set<Int32> = []
        var generation = 0
    }

    public init(port: Int = freePort(), targetPort: Int) {
        self.port = port
        self.targetPort = targetPort
    }

    /// Starts listening (idempotent).
    public func start() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw MissingTestDependency("proxy cannot listen on port \(port)")
        }
        let generation = state.withLock { state -> Int in
            state.listener = fd
            state.generation += 1
            return state.generation
        }
        Thread.detachNewThread { [self] in acceptLoop(fd, generation: generation) }
    }

    /// Closes the listener and every forwarded connection.
    public func stop() {
        let sockets = state.withLock { state -> [Int32] in
            let all = Array(state.sockets) + (state.listener >= 0 ? [state.listener] : [])
            state.sockets = []
            state.listener = -1
            state.generation += 1
            return all
        }
        for fd in sockets {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    private func acceptLoop(_ listener: Int32, generation: Int) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let accepted = state.withLock { state -> Bool in
                guard state.generation == generation, connected == 0 else { return false }
                state.sockets.insert(client)
                state.sockets.insert(upstream)
                return true
            }
            guard accepted else {
                close(client)
                close(upstream)
                continue
            }
            Thread.detachNewThread { Self.pump(from: client, to: upstream) }
            Thread.detachNewThread { Self.pump(from: upstream, to: client) }
        }
    }

    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let count = recv(source, &buffer, buffer.count, 0)
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let sent = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { break }
                offset += sent
            }
            if offset < count { break }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
