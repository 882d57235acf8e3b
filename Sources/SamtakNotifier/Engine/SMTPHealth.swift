import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether the SMTP relay answers, learnt from the sends themselves: any SMTP reply, even a
/// refusal, means it answers; a failure without a reply (a refused connection, a timeout)
/// means it does not.
///
/// It feeds the readiness check (`/health/ready` says `smtp: SMTP relay ... unreachable`
/// while sends fail that way; an idle notifier that has not needed the relay yet is ready)
/// and the workers' pause: after failures without a reply they stop claiming for a growing
/// while, instead of burning every pending delivery's attempts against a relay that is
/// down. While it is marked unreachable, the maintenance loop probes the port (TCP), so a
/// relay that comes back is noticed without waiting for the pause.
public final class SMTPHealth: Sendable {
    private struct State {
        var consecutiveFailures = 0
        var pausedUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    let host: String
    let port: Int

    public init(configuration: SMTPConfiguration) {
        let components = URLComponents(string: configuration.url)
        host = components?.host ?? "127.0.0.1"
        port = components?.port ?? (configuration.usesImplicitTLS ? 465 : 25)
    }

    /// nil when the relay answers (or was not needed yet), else a short reason without data.
    public var problem: String? {
        let failures = state.withLock { $0.consecutiveFailures }
        return failures == 0 ? nil : "SMTP relay \(host):\(port) unreachable (\(failures) attempts in a row)"
    }

    func recordReachable() {
        state.withLock {
            $0.consecutiveFailures = 0
            $0.pausedUntil = nil
        }
    }

    /// A send failed without an SMTP reply: pauses claiming for `base · 2^(failures-1)`,
    /// at most `cap`.
    func recordUnreachable(pauseBase: Duration, pauseCap: Duration) {
        state.withLock {
            $0.consecutiveFailures += 1
            let exponent = min($0.consecutiveFailures - 1, 20)
            $0.pausedUntil = .now + min(pauseBase * (1 << exponent), pauseCap)
        }
    }

    /// How long workers should wait before claiming again (nil: go ahead).
    var pause: Duration? {
        state.withLock { state in
            guard let until = state.pausedUntil else { return nil }
            let left = until - .now
            return left > .zero ? left : nil
        }
    }

    /// Connects to the relay's port (TCP only) on a thread of its own; a connection clears
    /// the unreachable mark (and the pause). A failed probe changes nothing.
    func probe(timeout: Duration = .seconds(3)) async {
        let (host, port) = (self.host, self.port)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        let reachable = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread {
                continuation.resume(returning: Self.canConnect(host: host, port: port, timeoutMilliseconds: milliseconds))
            }
        }
        if reachable { recordReachable() }
    }

    /// Blocking TCP connect with a timeout (non-blocking connect + poll).
    static func canConnect(host: String, port: Int, timeoutMilliseconds: Int32) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            defer { entry = info.pointee.ai_next }
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
            guard errno == EINPROGRESS else { continue }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&descriptor, 1, timeoutMilliseconds) == 1 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0 { return true }
        }
        return false
    }
}
