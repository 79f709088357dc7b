module supermarket.local/pause

go 1.24
