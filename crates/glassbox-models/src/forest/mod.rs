//! CART regression trees and the random forest.
