#include <cmath>
#include <limits>

#include "json.h"
#include "test_framework.h"

using gv::Json;

TEST(escapes_quotes_backslashes_and_control_characters) {
  CHECK_EQ(gv::jsonEscape("a\"b\\c"), std::string("a\\\"b\\\\c"));
  CHECK_EQ(gv::jsonEscape("line\nnext\ttab\r"), std::string("line\\nnext\\ttab\\r"));
  CHECK_EQ(gv::jsonEscape(std::string("\x01\x1f\x7f", 3)), std::string("\\u0001\\u001f\\u007f"));
  CHECK_EQ(gv::jsonEscape("\xc3\xa9t\xc3\xa9"), std::string("\xc3\xa9t\xc3\xa9"));  // UTF-8 passes through
}

TEST(non_finite_numbers_become_null) {
  Json doc = Json::object();
  doc.set("nan", std::numeric_limits<double>::quiet_NaN());
  doc.set("inf", std::numeric_limits<double>::infinity());
  doc.set("ninf", -std::numeric_limits<double>::infinity());
  CHECK_EQ(doc.dump(), std::string("{\"nan\":null,\"inf\":null,\"ninf\":null}"));
}

TEST(numbers_print_exactly_and_round_trip) {
  CHECK_EQ(Json(42).dump(), std::string("42"));
  CHECK_EQ(Json(-7).dump(), std::string("-7"));
  CHECK_EQ(Json(140000000000ull).dump(), std::string("140000000000"));
  CHECK_EQ(Json(0.5).dump(), std::string("0.5"));
  for (double value : {0.1, 1.0 / 3.0, 4812.123456789, 1e-300, 6.02214076e23}) {
    double back = Json::parse(Json(value).dump()).asNumber();
    CHECK_EQ(back, value);
  }
}

TEST(objects_keep_insertion_order_and_set_replaces) {
  Json doc = Json::object();
  doc.set("b", 1);
  doc.set("a", 2);
  doc.set("b", 3);
  CHECK_EQ(doc.dump(), std::string("{\"b\":3,\"a\":2}"));
  CHECK(doc.has("a"));
  CHECK(!doc.has("c"));
  CHECK_THROWS(doc.at("c"));
}

TEST(optional_values_map_to_null) {
  std::optional<double> none;
  std::optional<std::string> some = std::string("x");
  Json doc = Json::object();
  doc.set("none", none);
  doc.set("some", some);
  CHECK_EQ(doc.dump(), std::string("{\"none\":null,\"some\":\"x\"}"));
}

TEST(parses_nested_documents) {
  Json doc = Json::parse(R"( {"a": [1, 2.5, -3e2, true, false, null, "s"], "b": {"c": {}}, "d": []} )");
  REQUIRE(doc.isObject());
  const Json& a = doc.at("a");
  REQUIRE(a.size() == 7);
  CHECK_EQ(a[0].asNumber(), 1.0);
  CHECK_EQ(a[1].asNumber(), 2.5);
  CHECK_EQ(a[2].asNumber(), -300.0);
  CHECK(a[3].asBool());
  CHECK(!a[4].asBool());
  CHECK(a[5].isNull());
  CHECK_EQ(a[6].asString(), std::string("s"));
  CHECK(doc.at("b").at("c").isObject());
  CHECK_EQ(doc.at("d").size(), std::size_t(0));
}

TEST(parses_escapes_and_surrogate_pairs) {
  Json doc = Json::parse(R"(["\"\\\/\b\f\n\r\t", "\u00e9", "\ud83d\ude00"])");
  CHECK_EQ(doc[0].asString(), std::string("\"\\/\b\f\n\r\t"));
  CHECK_EQ(doc[1].asString(), std::string("\xc3\xa9"));
  CHECK_EQ(doc[2].asString(), std::string("\xf0\x9f\x98\x80"));
}

TEST(rejects_invalid_documents) {
  const char* invalid[] = {"",          "{",           "[1,]",         "{\"a\":1,}",  "{\"a\" 1}",
                           "01",        "1.",          "-",            "\"abc",       "\"\\x\"",
                           "\"\\ud800\"", "[1] [2]",   "{\"a\":1,\"a\":2}", "tru", "\"a\nb\""};
  for (const char* text : invalid) {
    bool threw = false;
    try {
      Json::parse(text);
    } catch (const gv::JsonError&) {
      threw = true;
    }
    if (!threw) gvtest::recordFailure(__FILE__, __LINE__, std::string("accepted invalid JSON: ") + text);
  }
}

TEST(dump_then_parse_round_trips) {
  Json doc = Json::object();
  doc.set("text", "quote \" backslash \\ newline \n control \x02");
  doc.set("list", Json::array());
  Json inner = Json::object();
  inner.set("n", 3.25);
  inner.set("flag", true);
  doc.set("inner", inner);
  for (int indent : {-1, 2}) {
    Json back = Json::parse(doc.dump(indent));
    CHECK_EQ(back.dump(), doc.dump());
  }
  CHECK_CONTAINS(doc.dump(2), "\n  \"inner\": {\n    \"n\": 3.25");
}

TEST(type_mismatch_throws) {
  Json number(1);
  CHECK_THROWS(number.asString());
  CHECK_THROWS(number.asArray());
  Json text("x");
  CHECK_THROWS(text.asNumber());
}
