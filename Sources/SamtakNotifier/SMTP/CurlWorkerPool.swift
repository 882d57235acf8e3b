import CCurlSMTP
import Foundation

/// A small pool of dedicated OS threads for blocking libcurl transfers, so that
/// `curl_easy_perform` never occupies a thread of Swift's cooperative pool.
///
/// Each worker owns one libcurl easy handle for its whole life and resets it between transfers:
/// the handle's connection cache then lets consecutive sends reuse an open SMTP connection.
final class CurlWorkerPool: @unchecked Sendable {
    /// Work for one worker thread; it receives the worker's easy handle (nil when libcurl could
    /// not create one, which the work reports as a failure).
    typealias Work = @Sendable (_ handle: UnsafeMutableRawPointer?) -> Void

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Work] = []
    private var head = 0
    private var shuttingDown = false

    init(threadCount: Int, name: String) {
        CurlGlobal.initialize()
        for index in 0..<max(1, threadCount) {
            let thread = Thread { [self] in self.run() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues work; it runs on one of the pool's threads.
    func submit(_ work: @escaping Work) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish the queued work, then stop. Called by the owner's deinit.
    func shutdown() {
        condition.lock()
        shuttingDown = true
        condition.broadcast()
        condition.unlock()
    }

    private func next() -> Work? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !shuttingDown {
            condition.wait()
        }
        guard head < queue.count else { return nil }
        let work = queue[head]
        head += 1
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return work
    }

    private func run() {
        let handle = curl_easy_init()
        defer { if let handle { curl_easy_cleanup(handle) } }
        while let work = next() {
            if let handle {
                curl_easy_reset(handle)
                work(handle)
            } else {
                // Could not create the long-lived handle: try one per transfer.
                let fresh = curl_easy_init()
                work(fresh)
                if let fresh { curl_easy_cleanup(fresh) }
            }
        }
    }
}

/// `curl_global_init`, exactly once, before any thread uses libcurl.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    @discardableResult
    static func initialize() -> Bool { initialized }
}
