class COCOeval: pass
class Params: pass
