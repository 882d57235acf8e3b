import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with the part of `Foundation.Process`'s
/// interface the tests use (executable, arguments, environment, standard streams as a
/// `Pipe` or a `FileHandle`, run, isRunning, terminate, waitUntilExit, termination status
/// and handler).
///
/// Why not `Process`: on Linux, swift-corelibs-foundation's `Process.run()` (Swift 6.3.1)
/// scans `/proc/self/fd` with a fixed 256-byte copy of each `dirent`'s name and now and then
/// reads past glibc's buffer: the whole test process dies with "Bad pointer dereference" in
/// `Process.run()` (seen here in a full run; upstream swiftlang/swift-corelibs-foundation
/// PR 5472). This spawns directly and closes every inherited descriptor above 2 in the
/// child with glibc's `posix_spawn_file_actions_addclosefrom_np` instead of that scan.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: the configuration is set before `run()` by the one test that owns the
    // process; what changes afterwards (the exit) is guarded by `state`.
    public var executableURL: URL?
    public var arguments: [String] = []
    /// nil: the test process's environment.
    public var environment: [String: String]?
    /// A `Pipe`, a `FileHandle`, or nil (/dev/null). `FileHandle.standardError` etc. inherit.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?
    /// Called once, on the reaper's thread, when the process has exited.
    public var terminationHandler: (@Sendable (ChildProcess) -> Void)?

    private struct State {
        var pid: pid_t = 0
        var running = false
        var status: Int32 = 0
        var reason: Process.TerminationReason = .exit
    }
    private let state = Mutex(State())
    private let exited = NSCondition()

    public init() {}

    public var processIdentifier: Int32 { state.withLock { $0.pid } }
    public var isRunning: Bool { state.withLock { $0.running } }
    /// The exit code, or the signal that ended it (see `terminationReason`).
    public var terminationStatus: Int32 { state.withLock { $0.status } }
    public var terminationReason: Process.TerminationReason { state.withLock { $0.reason } }

    public func run() throws {
        guard let path = executableURL?.path else { throw ChildProcessError("no executable") }
        guard access(path, X_OK) == 0 else { throw ChildProcessError("\(path) is not executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [FileHandle] = []
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case let pipe as Pipe:
                let childEnd = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, childEnd.fileDescriptor, target)
                parentEnds.append(childEnd)
            case let handle as FileHandle where handle === FileHandle.standardInput || handle === FileHandle.standardOutput
                || handle === FileHandle.standardError:
                if handle.fileDescriptor != target { posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target) }
            case let handle as FileHandle where handle !== FileHandle.nullDevice:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            default:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        // After the dup2s: nothing else of the test process leaks into the child (another
        // test's pipe would otherwise never see its end of file).
        guard spawnAddCloseFrom(&actions, 3) == 0 else { throw ChildProcessError("posix_spawn_file_actions_addclosefrom_np failed") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Process does: a Ctrl-C at the terminal is for the tests.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, env)
        guard result == 0 else { throw ChildProcessError("posix_spawn \(path) failed: errno \(result)") }
        for end in parentEnds { try? end.close() }
        state.withLock {
            $0.pid = pid
            $0.running = true
        }
        let spawned = pid
        let reaper = Thread { [self] in reap(spawned) }
        reaper.name = "child-\(spawned)"
        reaper.start()
    }

    private func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        state.withLock {
            $0.running = false
            $0.status = signalled ? status & 0x7f : (status >> 8) & 0xff
            $0.reason = signalled ? .uncaughtSignal : .exit
        }
        exited.lock()
        exited.broadcast()
        exited.unlock()
        terminationHandler?(self)
    }

    public func terminate() {
        let pid = processIdentifier
        if pid > 0 && isRunning { kill(pid, SIGTERM) }
    }

    public func waitUntilExit() {
        exited.lock()
        while isRunning { exited.wait() }
        exited.unlock()
    }
}

extension ChildProcess {
    /// Reads `pipe` (one of this child's standard streams) on a thread of its own with
    /// blocking `read(2)` until end of file, handing each chunk to `chunk`; the pipe is kept
    /// alive by that thread and closed by it at the end. Call after `run()`.
    ///
    /// Why not `FileHandle.readabilityHandler`: it registers a dispatch source on the
    /// descriptor, and when the handle is released (the test ends, the process is gone) the
    /// descriptor is closed while the source is still registered; a new descriptor with the
    /// same number then confuses libdispatch's epoll loop, and the whole test process died
    /// in `_dispatch_event_loop_drain` ("Bad pointer dereference", seen in a CI run).
    public func readToEnd(of pipe: Pipe, _ chunk: @escaping @Sendable (Data) -> Void) {
        let reader = Thread {
            let handle = pipe.fileHandleForReading
            let descriptor = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    chunk(Data(buffer[0..<count]))
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            try? handle.close()
        }
        reader.name = "child-\(processIdentifier)-output"
        reader.start()
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// glibc ≥ 2.34 (Debian bookworm has 2.36); not in Swift's Glibc module map.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
