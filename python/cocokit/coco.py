"""Drop-in for ``pycocotools.coco.COCO``: the dataset as plain Python dicts and lists, indexed as
pycocotools indexes it, read by cocokit's Rust JSON loader instead of ``json.load``.

``dataset``, ``anns``, ``imgs``, ``cats``, ``imgToAnns`` and ``catToImgs`` hold the same objects
pycocotools would (``COCO(path).dataset == json.load(open(path))``), so code that indexes or mutates them
works unchanged, and ``COCO()`` followed by assigning ``dataset`` and calling ``createIndex()`` works too.
Every method mirrors its pycocotools namesake, quirks included (``getAnnIds``' open area range,
``loadRes`` deciding the results' kind on the first result, ids numbered from 1); ``showAnns`` draws with
matplotlib as pycocotools does, ``download`` is not supported.

Lazy datasets: ``COCO(path)`` and ``loadRes(path)`` keep what evaluation needs of the file on the Rust side
(``_native.Dataset``) and build no Python object; the six attributes above are made on first access
(``_materialize``: the file, read again, as ``json.load`` reads it, then ``createIndex``, or ``loadRes``'
steps for results). A file changed on disk since it was loaded raises ``CocokitError`` then. Until then
``getImgIds``, ``getCatIds`` and ``getAnnIds`` answer from native indexes (other filters materialize), and
``COCOeval`` on a ground truth and its ``loadRes`` results runs wholly in the engine. Once materialized, the
Python objects are the truth: every later query and evaluation reads them, so mutations are seen as
pycocotools sees them. Files the native reader refuses, or whose Python objects would answer differently
(duplicate or missing ids, no categories, caption results, ...), are loaded the pycocotools way at once (see
``_native.Dataset``).
"""

import contextlib
import copy
import gc
import operator
import os
import time
from collections import defaultdict

import numpy as np

from . import _native
from . import mask as maskUtils

__all__ = ["COCO"]


def _isArrayLike(obj):
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


@contextlib.contextmanager
def _no_gc():
    """Pause Python's cyclic garbage collector while millions of containers are created: each of its
    passes walks every container built so far, which made loading several times slower. Nothing made
    here is garbage (no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_json(path):
    # cocokit's loader; an unreadable file raises the OSError open() would.
    with _no_gc():
        return _native.load_json(os.fspath(path))


def _lazy(name):
    """An attribute of the dataset's Python objects, made on first access from a native dataset."""
    attr = "_" + name

    def get(self):
        if self._native is not None:
            self._materialize()
        return getattr(self, attr)

    def put(self, value):
        if self._native is not None:
            self._materialize()
        setattr(self, attr, value)

    return property(get, put, doc="pycocotools' ``{}``, made on first access.".format(name))


def _native_path(path):
    """``path`` as a ``str`` for the native loader, or ``None`` (pycocotools' ``open`` decides then)."""
    if isinstance(path, (str, os.PathLike)):
        path = os.fspath(path)
        if isinstance(path, str):
            return path
    return None


def _native_ids(values):
    """Ids as a list of ``int`` for a native query, or ``None`` when one is not an integer (the query then
    runs on the Python objects, where ``1.0`` or ``"1"`` behave as pycocotools' dict lookups make them)."""
    out = []
    for v in values:
        if type(v) is not int:  # noqa: E721
            try:
                v = operator.index(v)
            except TypeError:
                return None
        out.append(v)
    return out


def _mark_ignored(gts, iouType, areaRng):
    """The flags pycocotools' ``COCOeval`` sets on the ground truths it evaluates: ``ignore`` (``_prepare``)
    and ``_ignore`` (``evaluateImg``; the last area range's, which is evaluated last)."""
    last = areaRng[-1] if len(areaRng) else None
    for gt in gts:
        gt["ignore"] = gt.get("ignore", 0)
        gt["ignore"] = "iscrowd" in gt and gt["iscrowd"]
        if iouType == "keypoints":
            gt["ignore"] = (gt["num_keypoints"] == 0) or gt["ignore"]
        if last is not None:
            gt["_ignore"] = 1 if gt["ignore"] or (gt["area"] < last[0] or gt["area"] > last[1]) else 0


class COCO:
    """A COCO dataset in memory with pycocotools' indexes and query methods."""

    # class defaults: a subclass whose __init__ does not call this one still has plain attributes
    _native = None
    _parent = None

    dataset = _lazy("dataset")
    anns = _lazy("anns")
    cats = _lazy("cats")
    imgs = _lazy("imgs")
    imgToAnns = _lazy("imgToAnns")
    catToImgs = _lazy("catToImgs")

    def __init__(self, annotation_file=None):
        """Load ``annotation_file`` (a path) and build the indexes; with no file, an empty dataset."""
        self._native = None
        self._parent = None
        # COCOeval's _prepare marks (imgIds, catIds, useCats) of evaluations run natively on this dataset
        self._ignore_marks = []
        self.dataset, self.anns, self.cats, self.imgs = dict(), dict(), dict(), dict()
        self.imgToAnns, self.catToImgs = defaultdict(list), defaultdict(list)
        if annotation_file is not None:
            print("loading annotations into memory...")
            tic = time.time()
            path = _native_path(annotation_file)
            # a subclass with its own createIndex gets it run on the dicts, as pycocotools runs it
            if path is not None and type(self).createIndex is COCO.createIndex:
                native = _native.load_dataset(path)
                if native is not None:
                    print("Done (t={:0.2f}s)".format(time.time() - tic))
                    print("creating index...")
                    print("index created!")
                    self._native = native
                    return
            dataset = _load_json(annotation_file)
            assert type(dataset) == dict, "annotation file format {} not supported".format(  # noqa: E721
                type(dataset)
            )
            print("Done (t={:0.2f}s)".format(time.time() - tic))
            self.dataset = dataset
            with _no_gc():
                self.createIndex()

    def _materialize(self):
        """Build the Python objects of a native dataset (``json.load`` + ``createIndex``, or for results
        ``loadRes``' steps on the parent's objects); from then on they are the truth."""
        native, parent = self._native, self._parent
        with _no_gc():
            # the file is read again: an error (it changed since it was loaded) leaves the object as it was
            data = native.to_python()
            self._native = self._parent = None
            if parent is None:
                self._dataset = data
                self._index()
                self._mark_ignored()
            else:
                parent._res_from_anns(self, data)

    def _mark_ignored(self):
        # what COCOeval would have left on the ground truths of the evaluations run natively on this dataset
        marks, self._ignore_marks = self._ignore_marks, []
        for imgIds, catIds, useCats, iouType, areaRng in marks:
            cats = set(catIds) if useCats and len(catIds) != 0 else None
            gts = [
                ann
                for imgId in imgIds
                for ann in self._imgToAnns.get(imgId, ())
                if cats is None or ann["category_id"] in cats
            ]
            _mark_ignored(gts, iouType, areaRng)

    def __getstate__(self):
        # pickle / copy: the Python objects, as a pycocotools COCO pickles
        if self._native is not None:
            self._materialize()
        return self.__dict__.copy()

    def createIndex(self):
        """Build ``anns``, ``imgs``, ``cats``, ``imgToAnns`` and ``catToImgs`` from ``dataset``."""
        print("creating index...")
        self._index()
        print("index created!")

    def _index(self):
        anns, cats, imgs = {}, {}, {}
        imgToAnns, catToImgs = defaultdict(list), defaultdict(list)
        if "annotations" in self.dataset:
            for ann in self.dataset["annotations"]:
                imgToAnns[ann["image_id"]].append(ann)
                anns[ann["id"]] = ann
        if "images" in self.dataset:
            for img in self.dataset["images"]:
                imgs[img["id"]] = img
        if "categories" in self.dataset:
            for cat in self.dataset["categories"]:
                cats[cat["id"]] = cat
        if "annotations" in self.dataset and "categories" in self.dataset:
            for ann in self.dataset["annotations"]:
                catToImgs[ann["category_id"]].append(ann["image_id"])
        self.anns = anns
        self.imgToAnns = imgToAnns
        self.catToImgs = catToImgs
        self.imgs = imgs
        self.cats = cats

    def info(self):
        """Print the dataset's ``info`` entries, one ``key: value`` per line."""
        for key, value in self.dataset["info"].items():
            print("{}: {}".format(key, value))

    def getAnnIds(self, imgIds=[], catIds=[], areaRng=[], iscrowd=None):  # noqa: B006
        """Ids of the annotations of the given images and categories, with area strictly inside
        ``areaRng`` and the given crowd flag; an empty filter (the default) selects everything."""
        imgIds = imgIds if _isArrayLike(imgIds) else [imgIds]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        if self._native is not None and len(areaRng) == 0 and iscrowd is None:
            imgs, cats = _native_ids(imgIds), _native_ids(catIds)
            if imgs is not None and cats is not None:
                return self._native.ann_ids(imgs, cats)
        if len(imgIds) == len(catIds) == len(areaRng) == 0:
            anns = self.dataset["annotations"]
        else:
            if not len(imgIds) == 0:
                anns = []
                for imgId in imgIds:
                    if imgId in self.imgToAnns:
                        anns.extend(self.imgToAnns[imgId])
            else:
                anns = self.dataset["annotations"]
            if len(catIds) != 0:
                cats = _membership(catIds)
                anns = [ann for ann in anns if ann["category_id"] in cats]
            if len(areaRng) != 0:
                anns = [ann for ann in anns if ann["area"] > areaRng[0] and ann["area"] < areaRng[1]]
        if iscrowd is not None:
            ids = [ann["id"] for ann in anns if ann["iscrowd"] == iscrowd]
        else:
            ids = [ann["id"] for ann in anns]
        return ids

    def getCatIds(self, catNms=[], supNms=[], catIds=[]):  # noqa: B006
        """Ids of the categories with the given names, supercategory names and ids (empty: all)."""
        catNms = catNms if _isArrayLike(catNms) else [catNms]
        supNms = supNms if _isArrayLike(supNms) else [supNms]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        if self._native is not None and len(catNms) == len(supNms) == len(catIds) == 0:
            return self._native.cat_ids()
        cats = self.dataset["categories"]
        if not len(catNms) == len(supNms) == len(catIds) == 0:
            cats = cats if len(catNms) == 0 else [cat for cat in cats if cat["name"] in catNms]
            cats = cats if len(supNms) == 0 else [cat for cat in cats if cat["supercategory"] in supNms]
            cats = cats if len(catIds) == 0 else [cat for cat in cats if cat["id"] in catIds]
        return [cat["id"] for cat in cats]

    def getImgIds(self, imgIds=[], catIds=[]):  # noqa: B006
        """Ids of the given images that hold every one of the given categories (empty: all images)."""
        imgIds = imgIds if _isArrayLike(imgIds) else [imgIds]
        catIds = catIds if _isArrayLike(catIds) else [catIds]
        native = self._native is not None and _native_ids(catIds) is not None
        if len(imgIds) == len(catIds) == 0:
            ids = self._native.img_ids() if self._native is not None else self.imgs.keys()
        else:
            ids = set(imgIds)
            for i, catId in enumerate(catIds):
                imgs = self._native.cat_to_imgs(operator.index(catId)) if native else self.catToImgs[catId]
                if i == 0 and len(ids) == 0:
                    ids = set(imgs)
                else:
                    ids &= set(imgs)
        return list(ids)

    def loadAnns(self, ids=[]):  # noqa: B006
        """The annotation dicts with the given ids (a list, or one int)."""
        if _isArrayLike(ids):
            return [self.anns[id] for id in ids]
        elif type(ids) == int:  # noqa: E721
            return [self.anns[ids]]

    def loadCats(self, ids=[]):  # noqa: B006
        """The category dicts with the given ids (a list, or one int)."""
        if _isArrayLike(ids):
            return [self.cats[id] for id in ids]
        elif type(ids) == int:  # noqa: E721
            return [self.cats[ids]]

    def loadImgs(self, ids=[]):  # noqa: B006
        """The image dicts with the given ids (a list, or one int)."""
        if _isArrayLike(ids):
            return [self.imgs[id] for id in ids]
        elif type(ids) == int:  # noqa: E721
            return [self.imgs[ids]]

    def showAnns(self, anns, draw_bbox=False):
        """Draw annotations on the current matplotlib axes (polygons, masks, keypoints, boxes), or print
        captions, as pycocotools does."""
        if len(anns) == 0:
            return 0
        if "segmentation" in anns[0] or "keypoints" in anns[0]:
            datasetType = "instances"
        elif "caption" in anns[0]:
            datasetType = "captions"
        else:
            raise Exception("datasetType not supported")
        if datasetType == "captions":
            for ann in anns:
                print(ann["caption"])
            return
        import matplotlib.pyplot as plt
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Polygon

        ax = plt.gca()
        ax.set_autoscale_on(False)
        polygons, color = [], []
        for ann in anns:
            c = (np.random.random((1, 3)) * 0.6 + 0.4).tolist()[0]
            if "segmentation" in ann:
                if type(ann["segmentation"]) == list:  # noqa: E721
                    for seg in ann["segmentation"]:
                        poly = np.array(seg).reshape((int(len(seg) / 2), 2))
                        polygons.append(Polygon(poly))
                        color.append(c)
                else:
                    t = self.imgs[ann["image_id"]]
                    if type(ann["segmentation"]["counts"]) == list:  # noqa: E721
                        rle = maskUtils.frPyObjects([ann["segmentation"]], t["height"], t["width"])
                    else:
                        rle = [ann["segmentation"]]
                    m = maskUtils.decode(rle)
                    img = np.ones((m.shape[0], m.shape[1], 3))
                    if ann["iscrowd"] == 1:
                        color_mask = np.array([2.0, 166.0, 101.0]) / 255
                    if ann["iscrowd"] == 0:
                        color_mask = np.random.random((1, 3)).tolist()[0]
                    for i in range(3):
                        img[:, :, i] = color_mask[i]
                    ax.imshow(np.dstack((img, m * 0.5)))
            if "keypoints" in ann and type(ann["keypoints"]) == list:  # noqa: E721
                sks = np.array(self.loadCats(ann["category_id"])[0]["skeleton"]) - 1
                kp = np.array(ann["keypoints"])
                x, y, v = kp[0::3], kp[1::3], kp[2::3]
                for sk in sks:
                    if np.all(v[sk] > 0):
                        plt.plot(x[sk], y[sk], linewidth=3, color=c)
                plt.plot(
                    x[v > 0],
                    y[v > 0],
                    "o",
                    markersize=8,
                    markerfacecolor=c,
                    markeredgecolor="k",
                    markeredgewidth=2,
                )
                plt.plot(
                    x[v > 1],
                    y[v > 1],
                    "o",
                    markersize=8,
                    markerfacecolor=c,
                    markeredgecolor=c,
                    markeredgewidth=2,
                )
            if draw_bbox:
                [bbox_x, bbox_y, bbox_w, bbox_h] = ann["bbox"]
                poly = [
                    [bbox_x, bbox_y],
                    [bbox_x, bbox_y + bbox_h],
                    [bbox_x + bbox_w, bbox_y + bbox_h],
                    [bbox_x + bbox_w, bbox_y],
                ]
                polygons.append(Polygon(np.array(poly).reshape((4, 2))))
                color.append(c)
        p = PatchCollection(polygons, facecolor=color, linewidths=0, alpha=0.4)
        ax.add_collection(p)
        p = PatchCollection(polygons, facecolor="none", edgecolors=color, linewidths=2)
        ax.add_collection(p)

    def loadRes(self, resFile):
        """A new ``COCO`` holding results: ``resFile`` is a path to a JSON list, a list of dicts (given ids,
        areas and boxes are set on those dicts, as pycocotools does) or an ``N x 7`` numpy array
        ``[image_id, x, y, w, h, score, category_id]``. The kind of results is decided on the first one:
        captions, boxes (area ``w * h``, a box polygon as segmentation), masks (area and missing box from
        the mask) or keypoints. A path on a native dataset gives a native results set (see the module
        header)."""
        print("Loading and preparing results...")
        tic = time.time()
        path = _native_path(resFile) if type(resFile) == str or isinstance(resFile, os.PathLike) else None  # noqa: E721
        if self._native is not None and path is not None:
            native = self._native.load_results(path)
            if native is not None:
                res = COCO()
                res._native, res._parent = native, self
                print("DONE (t={:0.2f}s)".format(time.time() - tic))
                print("creating index...")
                print("index created!")
                return res
        with _no_gc():
            if type(resFile) == str or isinstance(resFile, os.PathLike):  # noqa: E721
                anns = _load_json(resFile)
            elif type(resFile) == np.ndarray:  # noqa: E721
                anns = self.loadNumpyAnnotations(resFile)
            else:
                anns = resFile
            res = COCO()
            self._res_from_anns(res, anns, index=False)
            print("DONE (t={:0.2f}s)".format(time.time() - tic))
            res.createIndex()
        return res

    def _res_from_anns(self, res, anns, index=True):
        """``loadRes``' steps on the results ``anns`` (a list of dicts, completed in place) into ``res``'s
        ``dataset``, then (``index``) its indexes, silently."""
        res.dataset["info"] = copy.deepcopy(self.dataset.get("info", {}))
        res.dataset["images"] = list(self.dataset["images"])
        assert type(anns) == list, "results in not an array of objects"  # noqa: E721
        annsImgIds = [ann["image_id"] for ann in anns]
        assert set(annsImgIds) == (set(annsImgIds) & set(self.getImgIds())), (
            "Results do not correspond to current coco set"
        )
        if "caption" in anns[0]:
            imgIds = {img["id"] for img in res.dataset["images"]} & {ann["image_id"] for ann in anns}
            res.dataset["images"] = [img for img in res.dataset["images"] if img["id"] in imgIds]
            for id, ann in enumerate(anns):
                ann["id"] = id + 1
        elif "bbox" in anns[0] and not anns[0]["bbox"] == []:
            res.dataset["categories"] = copy.deepcopy(self.dataset["categories"])
            for id, ann in enumerate(anns):
                bb = ann["bbox"]
                x1, x2, y1, y2 = [bb[0], bb[0] + bb[2], bb[1], bb[1] + bb[3]]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x1, y1, x1, y2, x2, y2, x2, y1]]
                ann["area"] = bb[2] * bb[3]
                ann["id"] = id + 1
                ann["iscrowd"] = 0
        elif "segmentation" in anns[0]:
            res.dataset["categories"] = copy.deepcopy(self.dataset["categories"])
            # maskUtils.area / toBbox of each segmentation, computed in one call each.
            segs = [ann["segmentation"] for ann in anns]
            for seg in segs:
                if type(seg) != dict:  # noqa: E721 - pycocotools' area() would take it as a list
                    maskUtils.area(seg)
            areas = maskUtils.area(segs)
            boxes = maskUtils.toBbox(segs)
            for id, ann in enumerate(anns):
                ann["area"] = areas[id]
                if "bbox" not in ann:
                    ann["bbox"] = boxes[id]
                ann["id"] = id + 1
                ann["iscrowd"] = 0
        elif "keypoints" in anns[0]:
            res.dataset["categories"] = copy.deepcopy(self.dataset["categories"])
            for id, ann in enumerate(anns):
                s = ann["keypoints"]
                x = s[0::3]
                y = s[1::3]
                x0, x1, y0, y1 = np.min(x), np.max(x), np.min(y), np.max(y)
                ann["area"] = (x1 - x0) * (y1 - y0)
                ann["id"] = id + 1
                ann["bbox"] = [x0, y0, x1 - x0, y1 - y0]
        res.dataset["annotations"] = anns
        if index:
            res._index()

    def download(self, tarDir=None, imgIds=[]):  # noqa: B006
        """Not supported: cocokit never downloads (pycocotools fetches images from coco_url)."""
        raise NotImplementedError(
            "cocokit.COCO.download is not supported: fetch images with your own tools "
            "(each image dict has its coco_url)"
        )

    def loadNumpyAnnotations(self, data):
        """Results from an ``N x 7`` array ``[image_id, x, y, w, h, score, category_id]`` as dicts."""
        print("Converting ndarray to lists...")
        assert type(data) == np.ndarray  # noqa: E721
        print(data.shape)
        assert data.shape[1] == 7
        N = data.shape[0]
        ann = []
        for i in range(N):
            if i % 1000000 == 0:
                print("{}/{}".format(i, N))
            ann += [
                {
                    "image_id": int(data[i, 0]),
                    "bbox": [data[i, 1], data[i, 2], data[i, 3], data[i, 4]],
                    "score": data[i, 5],
                    "category_id": int(data[i, 6]),
                }
            ]
        return ann

    def annToRLE(self, ann):
        """The annotation's segmentation as one compressed RLE dict (polygons merged)."""
        t = self.imgs[ann["image_id"]]
        h, w = t["height"], t["width"]
        segm = ann["segmentation"]
        if type(segm) == list:  # noqa: E721
            rles = maskUtils.frPyObjects(segm, h, w)
            rle = maskUtils.merge(rles)
        elif type(segm["counts"]) == list:  # noqa: E721
            rle = maskUtils.frPyObjects(segm, h, w)
        else:
            rle = ann["segmentation"]
        return rle

    def annToMask(self, ann):
        """The annotation's segmentation as an ``h x w`` ``uint8`` mask."""
        rle = self.annToRLE(ann)
        m = maskUtils.decode(rle)
        return m

    # snake_case aliases (the names of mmdetection's COCO wrapper, lvis-api and hotcoco)
    get_ann_ids = getAnnIds
    get_cat_ids = getCatIds
    get_img_ids = getImgIds
    load_anns = loadAnns
    load_cats = loadCats
    load_imgs = loadImgs
    load_res = loadRes
    ann_to_rle = annToRLE
    ann_to_mask = annToMask
    create_index = createIndex

    @property
    def img_ann_map(self):
        """``imgToAnns`` under lvis-api's name."""
        return self.imgToAnns

    @property
    def cat_img_map(self):
        """``catToImgs`` under lvis-api's name."""
        return self.catToImgs


def _membership(values):
    # `x in values` as a list tests it (==); a set gives the same answers for hashable numbers and strings.
    try:
        return set(values)
    except TypeError:
        return values
