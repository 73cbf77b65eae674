// NAME
//	fuzz_input 3h
// SUMMARY
//	cut a fuzzer's byte string into the fields of one call
// DESCRIPTION
//	The fuzz targets turn LLVMFuzzerTestOneInput's bytes into events or
//	texts: take_byte() gives a selector, take_field() the bytes up to the
//	next NUL (or the end), so every byte string is a valid, replayable
//	input and the fuzzer can still reach any value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace milter503::fuzz {

class FuzzInput {
  public:
    FuzzInput(const uint8_t* data, size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    bool empty() const { return rest_.empty(); }

    uint8_t take_byte() {
        if (rest_.empty())
            return 0;
        const auto byte = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return byte;
    }

    std::string take_field() {
        const size_t nul = rest_.find('\0');
        std::string field(rest_.substr(0, nul));
        rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
        return field;
    }

    std::string_view rest() const { return rest_; }

  private:
    std::string_view rest_;
};

}  // namespace milter503::fuzz
