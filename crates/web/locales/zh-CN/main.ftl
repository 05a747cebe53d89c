nav-board = 销售漏斗
