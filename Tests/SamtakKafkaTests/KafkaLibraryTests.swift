import SamtakKafka
import Testing

@Suite("librdkafka version")
struct KafkaLibraryTests {
    @Test("the loaded librdkafka is accepted")
    func loadedVersionPasses() throws {
        try KafkaLibrary.requireSupportedVersion()
        #expect(KafkaLibrary.isSupported(versionNumber: KafkaLibrary.versionNumber))
        #expect(KafkaLibrary.versionString.hasPrefix(KafkaLibrary.describe(versionNumber: KafkaLibrary.versionNumber)))
    }

    @Test("the comparison refuses anything older than 2.8.0")
    func comparison() {
        #expect(KafkaLibrary.isSupported(versionNumber: 0x0208_00ff))  // 2.8.0
        #expect(KafkaLibrary.isSupported(versionNumber: 0x0208_01ff))  // 2.8.1
        #expect(KafkaLibrary.isSupported(versionNumber: 0x020a_00ff))  // 2.10.0
        #expect(KafkaLibrary.isSupported(versionNumber: 0x0300_00ff))  // 3.0.0
        #expect(KafkaLibrary.isSupported(versionNumber: 0x0209_0001))  // 2.9.0-pre1
        #expect(!KafkaLibrary.isSupported(versionNumber: 0x0208_0001))  // 2.8.0-pre1
        #expect(!KafkaLibrary.isSupported(versionNumber: 0x0207_09ff))  // 2.7.9
        #expect(!KafkaLibrary.isSupported(versionNumber: 0x0200_02ff))  // 2.0.2, Debian bookworm
        #expect(!KafkaLibrary.isSupported(versionNumber: 0x0108_00ff))  // 1.8.0
        #expect(!KafkaLibrary.isSupported(versionNumber: 0))
        #expect(KafkaLibrary.describe(versionNumber: 0x0200_02ff) == "2.0.2")
        #expect(KafkaLibrary.describe(versionNumber: 0x0208_0001) == "2.8.0-pre1")
    }

    @Test("an old library is refused with a message naming the version found")
    func refusalMessage() {
        #expect {
            try KafkaLibrary.requireSupported(versionNumber: 0x0200_02ff, versionString: "2.0.2")
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.message.contains("2.0.2") && error.message.contains("2.8.0") && !error.isRetriable
        }
        #expect(throws: Never.self) {
            try KafkaLibrary.requireSupported(versionNumber: 0x0208_00ff, versionString: "2.8.0")
        }
    }
}
