// NAME
//	source_text 3h
// SUMMARY
//	files of the source tree as text, for the tests that hold docs to tables
// SYNOPSIS
//	#include "tests/unit/source_text.hpp"
// DESCRIPTION
//	The cause, finding, config key and client-kind tables each have a
//	test that fails when README, report/README.md, a manual page or the
//	sample config lacks one of their rows. source_text() reads such a
//	file (relative to the source tree, MILTER503_SOURCE_DIR, which the
//	test's CMakeLists defines); a file that cannot be read fails the test
//	and reads as empty. roff() writes a text as a manual page does, a
//	hyphen as `\-`.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace milter503::test {

inline std::string source_text(const std::string& relative) {
    const std::string path = std::string(MILTER503_SOURCE_DIR) + "/" + relative;
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string roff(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '-')
            out += '\\';
        out += c;
    }
    return out;
}

}  // namespace milter503::test
