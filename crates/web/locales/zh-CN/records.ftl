# 客户、联系人、线索与活动。

field-other-account = 不属于该客户
