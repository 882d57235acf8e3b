import Foundation

/// Checks events against the AsyncAPI document (`Sources/SamtakIntake/asyncapi.yaml`) with
/// `Tests/tools/asyncapi_check.py` (PyYAML and jsonschema in the test tool environment).
public enum AsyncAPICheck {
    public static var document: URL { TestEnvironment.repositoryRoot.appendingPathComponent("Sources/SamtakIntake/asyncapi.yaml") }
    static var script: URL { TestEnvironment.repositoryRoot.appendingPathComponent("Tests/tools/asyncapi_check.py") }

    /// One event: its type, its topic without the deployment's prefix, its payload as JSON text.
    public struct Record: Sendable, Encodable {
        public var type: String
        public var topic: String
        public var payload: String
        public init(type: String, topic: String, payload: String) {
            self.type = type
            self.topic = topic
            self.payload = payload
        }
    }

    /// What the document lists: each message's topic and payload examples, and the enums.
    public struct Listing: Sendable {
        public var topics: [String: String]
        public var examples: [String: [String]]
        public var enums: [String: [String]]
    }

    public static func listing() throws -> Listing {
        let output = try run(["messages", document.path]).output
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let messages = object["messages"] as? [String: [String: Any]], let enums = object["enums"] as? [String: [String]]
        else { throw MissingTestDependency("asyncapi_check.py messages printed no listing") }
        var topics: [String: String] = [:], examples: [String: [String]] = [:]
        for (type, message) in messages {
            topics[type] = message["topic"] as? String
            examples[type] = try (message["examples"] as? [Any] ?? []).map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        return Listing(topics: topics, examples: examples, enums: enums)
    }

    /// The problems found (empty: every record is a documented message of its topic and its
    /// payload validates against the message's schema).
    public static func validate(_ records: [Record]) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-events-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let list: [[String: Any]] = try records.map { record in
            ["type": record.type, "topic": record.topic, "payload": try JSONSerialization.jsonObject(with: Data(record.payload.utf8))]
        }
        try JSONSerialization.data(withJSONObject: list).write(to: file)
        let (output, status) = try run(["validate", document.path, file.path])
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any], let errors = object["errors"] as? [String],
              object["checked"] as? Int == records.count
        else { throw MissingTestDependency("asyncapi_check.py validate printed no report (status \(status))") }
        if status != 0 && errors.isEmpty { throw MissingTestDependency("asyncapi_check.py failed without naming a problem") }
        return errors
    }

    static func run(_ arguments: [String]) throws -> (output: Data, status: Int32) {
        guard FileManager.default.isExecutableFile(atPath: PythonTool.python.path) else {
            throw MissingTestDependency("the Python tool environment is missing (\(PythonTool.python.path)); run Deploy/bootstrap")
        }
        let process = ChildProcess()
        process.executableURL = PythonTool.python
        process.arguments = [script.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (output, process.terminationStatus)
    }
}
