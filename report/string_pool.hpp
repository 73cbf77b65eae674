// NAME
//	string_pool 3h
// SUMMARY
//	each distinct text once, named by a 32-bit id
// SYNOPSIS
//	#include "report/string_pool.hpp"
// DESCRIPTION
//	The aggregator keeps a few texts per client of interest for the whole
//	run (its names, HELOs, hosts, the reply texts and envelope of its
//	example lines) for hundreds of thousands of clients on a public MX.
//	Most repeat across clients (a HELO bots share, a reply text, a log
//	host), and a std::string costs 32 bytes plus a heap block for every
//	copy. intern() stores a text once, in large blocks, and returns its
//	id; the same text always gets the same id, so ids compare as the
//	texts do. Id 0 is the empty text. Nothing is ever removed: the pool
//	lives as long as the run's tables. An id stays valid, and view()'s
//	text in place, until the pool is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace milter503::report {

class StringPool {
  public:
    using Id = std::uint32_t;
    static constexpr Id empty = 0;

    StringPool();
    StringPool(const StringPool&) = delete;
    StringPool& operator=(const StringPool&) = delete;

    Id intern(std::string_view text);
    // The id of a text held, without adding it.
    std::optional<Id> find(std::string_view text) const;
    std::string_view view(Id id) const { return texts_[id]; }
    // Distinct texts held, the empty one included.
    size_t size() const { return texts_.size(); }

  private:
    std::string_view store(std::string_view text);
    size_t home(std::string_view text) const;
    // The slot that holds `text`, or the free one where it would go.
    size_t slot_of(std::string_view text) const;
    void grow();

    std::vector<std::string_view> texts_;  // by id
    std::vector<Id> slots_;                // open addressing on the texts; 0 free
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* next_ = nullptr;  // free space in the newest block
    size_t left_ = 0;
};

}  // namespace milter503::report
