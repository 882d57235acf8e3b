import Foundation
@testable import SamtakWeb
import Testing

/// ``JSONReader`` reads what `JSONSerialization` reads, to the pages' casts, and refuses what
/// it refuses. Pure: no I/O.
@Suite("Web: the intake's answers read as JSONSerialization reads them")
struct JSONReaderTests {
    static let documents: [String] = [
        #"{}"#, #"[]"#, #"{"a":[]}"#, #" { "a" : { } , "b" : [ 1 , 2 ] } "#,
        #"{"id":"2F64E06C-FE5B-465F-8C8D-20C09DDD9C8E","title":"Sak 1 til ressursteamet","position":1,"over_capacity":false,"visibility":"full"}"#,
        #"{"text":"æøå ÆØÅ – 😀 \u00e6\u00F8\u00e5 \ud83d\ude00 \" \\ \/ \b\f\n\r\t \u0000 \u001f \u2028"}"#,
        #"{"numbers":[0,-0,1,-1,42,9223372036854775807,-9223372036854775808,9223372036854775808,1.5,-1.5,1e3,1E-7,2.5e+2,0.1,123456789.125]}"#,
        #"{"flags":[true,false,null],"nested":[[[{"deep":[{"x":null}]}]]]}"#,
        #"{"dup":1,"dup":2}"#,
        #"{"empty":"","space":" ","escapedOnly":"\n"}"#,
        "{\"tabs\"\t:\r\n[\n1\n]\n}",
    ]

    @Test("the same values as JSONSerialization, to the pages' casts")
    func sameValues() throws {
        for document in Self.documents {
            let bytes = Array(document.utf8)
            let ours = try JSONReader.parse(bytes)
            let foundation = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(JSONReader.sameAsFoundation(ours, foundation), "\(document)")
        }
        let text = try #require(try JSONReader.parse(Array(Self.documents[5].utf8)) as? [String: Any])["text"] as? String
        #expect(text == "æøå ÆØÅ – 😀 æøå 😀 \" \\ / \u{8}\u{c}\n\r\t \u{0} \u{1f} \u{2028}")
        let numbers = try #require(try JSONReader.parse(Array(Self.documents[6].utf8)) as? [String: Any])["numbers"] as? [Any]
        #expect(numbers?[4] as? Int == 42 && numbers?[5] as? Int == Int.max && numbers?[7] as? Double == 9_223_372_036_854_775_808)
        #expect(numbers?[8] as? Double == 1.5 && numbers?[10] as? Double == 1000 && numbers?[11] as? Double == 1e-7)
        let flags = try #require(try JSONReader.parse(Array(Self.documents[7].utf8)) as? [String: Any])["flags"] as? [Any]
        #expect(flags?[0] as? Bool == true && flags?[1] as? Bool == false && flags?[2] is NSNull)
        #expect(flags?[0] as? Int == nil, "a flag is not a number to a page")
    }

    @Test("top-level values other than objects and arrays, as fragments")
    func fragments() throws {
        #expect(try JSONReader.parse(Array(#""x""#.utf8)) as? String == "x")
        #expect(try JSONReader.parse(Array(" 7 ".utf8)) as? Int == 7)
        #expect(try JSONReader.parse(Array("null".utf8)) is NSNull)
    }

    @Test("malformed JSON is refused, as JSONSerialization refuses it (but for a trailing comma, which it takes)")
    func malformed() {
        let bad: [[UInt8]] = [
            [], Array(" ".utf8), Array("{".utf8), Array("}".utf8), Array(#"{"a"}"#.utf8), Array(#"{"a":}"#.utf8), Array(#"{"a":1,}"#.utf8),
            Array("[1,]".utf8), Array("[1 2]".utf8), Array(#"{a:1}"#.utf8), Array("tru".utf8), Array("nul".utf8), Array("01".utf8),
            Array("1.".utf8), Array(".5".utf8), Array("-".utf8), Array("1e".utf8), Array("+1".utf8), Array(#""abc"#.utf8),
            Array(#""\x""#.utf8), Array(#""\u12"#.utf8), Array(#""\ud83d""#.utf8), Array(#""\ud83d\u0041""#.utf8), Array("\"a\u{1}b\"".utf8),
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], Array("{} {}".utf8), Array("[1]x".utf8),
            Array(repeating: UInt8(ascii: "["), count: 10_000),
        ]
        for bytes in bad {
            #expect(throws: JSONReader.Malformed.self, "\(String(decoding: bytes.prefix(40), as: UTF8.self))") { try JSONReader.parse(bytes) }
            // Foundation takes a trailing comma (the intake never writes one); the rest it refuses too.
            let lenient = [Array(#"{"a":1,}"#.utf8), Array("[1,]".utf8), Array(repeating: UInt8(ascii: "["), count: 10_000)].contains(bytes)
            #expect((try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) == nil || lenient,
                    "Foundation accepts \(String(decoding: bytes.prefix(40), as: UTF8.self))")
        }
    }

    @Test("an answer that is not an object reads as an empty one")
    func answerObject() {
        #expect(APIAnswer(status: 200, body: Array("[1]".utf8)).object.isEmpty)
        #expect(APIAnswer(status: 200, body: Array("not json".utf8)).object.isEmpty)
        #expect(APIAnswer(status: 422, body: Array(#"{"code":"validation","errors":[{"field":"title","rule":"required"}]}"#.utf8)).code == "validation")
    }
}

/// The one reading of a person (`GET /v1/me`, `/v1/me/tasks`'s `person`). Pure: no I/O.
@Suite("Web: the signed-in person read from the intake's answer")
struct MeReadingTests {
    @Test("a person with memberships; a title may be missing; anything else missing is no person")
    func me() throws {
        let answer = #"{"administrator":false,"id":"D3DC4538-FBEB-404D-B757-E4BD1655E348","kind":"staff","memberships":[{"role":"unit_leader","service":"school","title":"rektor","unit_id":"775672BD-4423-4467-BF18-28499DF6A234","unit_name":"Nordby barneskole"},{"role":"teacher","service":"school","unit_id":"775672BD-4423-4467-BF18-28499DF6A235","unit_name":"Sørby skole"}],"name":"Frode Nygaard"}"#
        let me = try #require(IntakeClient.me(json: try JSONReader.parse(Array(answer.utf8))))
        #expect(me.id == UUID(uuidString: "D3DC4538-FBEB-404D-B757-E4BD1655E348") && me.kind == "staff" && me.name == "Frode Nygaard" && !me.administrator)
        #expect(me.memberships.map(\.role) == ["unit_leader", "teacher"] && me.memberships.map(\.title) == ["rektor", ""])
        #expect(me.memberships[1].unitName == "Sørby skole")
        for broken in [#"{}"#, #"[]"#, answer.replacingOccurrences(of: #""name":"Frode Nygaard""#, with: #""name":null"#),
                       answer.replacingOccurrences(of: #""unit_name":"Sørby skole""#, with: #""unit":"x""#),
                       answer.replacingOccurrences(of: "D3DC4538-FBEB-404D-B757-E4BD1655E348", with: "not-an-id")] {
            #expect(IntakeClient.me(json: try JSONReader.parse(Array(broken.utf8))) == nil, "\(broken)")
        }
    }
}
