module example.com/fulcrum-go-origin

go 1.19
