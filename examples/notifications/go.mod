module example.com/notifications

go 1.22
